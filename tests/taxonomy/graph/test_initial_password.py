"""A local server's first password is set whatever it begins with."""

from __future__ import annotations

from taxonomy.graph import server


def _instance(tmp_path) -> server.Instance:
    return server.Instance(
        "probe", tmp_path, 1, 512 * server.MIB, "64m", 64 * server.MIB, 64 * server.MIB
    )


def test_a_password_beginning_with_a_dash_is_set_not_taken_for_an_option(tmp_path):
    # token_urlsafe begins with "-" once in 64; neo4j-admin then printed its
    # usage and the set-up failed (a CI run did).
    inst = _instance(tmp_path)
    server._render_config(inst)
    inst.password_file.write_text("-Looks-like-an-option\n")
    server._set_initial_password(inst)
    auth = inst.data_dir / "dbms" / "auth.ini"
    assert auth.exists()
    assert "neo4j" in auth.read_text()


def test_a_generated_password_is_kept_and_never_begins_with_a_dash(tmp_path):
    inst = _instance(tmp_path)
    first = inst.password()
    assert not first.startswith("-")
    assert inst.password() == first
    assert inst.password_file.stat().st_mode & 0o777 == 0o600
