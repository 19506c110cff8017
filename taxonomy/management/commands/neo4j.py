"""Manage the project's own local Neo4j server: install, start, stop, status."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from taxonomy.graph import server


class Command(BaseCommand):
    help = (
        "Start, stop or inspect the project's local Neo4j 5.26 Community server "
        "(var/neo4j/). With NEO4J_URI set the project uses that server instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["install", "start", "stop", "status"])
        parser.add_argument(
            "--instance",
            choices=sorted(settings.NEO4J_LOCAL_INSTANCES),
            default=settings.NEO4J_INSTANCE,
            help="dev (your data, default) or test (the test suite's own server)",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=settings.NEO4J_STOP_TIMEOUT,
            help="stop: seconds to wait for a clean shutdown before killing the "
            "server (default %(default)s)",
        )

    def handle(self, *args, action, instance, timeout, **options):
        external = settings.NEO4J_TEST_URI if instance == "test" else settings.NEO4J_URI
        if external and action != "install":
            variable = "NEO4J_TEST_URI" if instance == "test" else "NEO4J_URI"
            self.stdout.write(
                f"{variable} is set ({external}); the project runs no server of its own."
            )
            return
        inst = server.instance(instance)
        try:
            if action == "install":
                server.install(echo=self.stdout.write)
                self.stdout.write(f"Neo4j jars installed in {server.lib_dir()}")
            elif action == "start":
                self.stdout.write(server.start(inst, echo=self.stdout.write))
            elif action == "stop":
                self.stdout.write(
                    server.stop(inst, echo=self.stdout.write, timeout=timeout)
                )
            else:
                running, line = server.status(inst)
                self.stdout.write(line)
                if not running:
                    raise CommandError("not running", returncode=3)
        except server.ServerError as e:
            raise CommandError(str(e)) from e
