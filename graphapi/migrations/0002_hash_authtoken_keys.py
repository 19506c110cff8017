"""Move the plain-text keys of rest_framework.authtoken into hashed API tokens."""

import hashlib
from datetime import UTC, datetime

from django.db import migrations

# Written out here, not imported: a migration must not change with the code.
PREFIX_LENGTH = 8
OLD_TABLE = "authtoken_token"


def hash_authtoken_keys(apps, schema_editor):
    """Keep every old key working, stored as its prefix and SHA-256 digest, and
    drop the old table so no key is left in the database in plain text."""
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    APIToken = apps.get_model("graphapi", "APIToken")
    quote = schema_editor.quote_name
    table = quote(OLD_TABLE)
    columns = ", ".join(quote(c) for c in ("key", "user_id", "created"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token = APIToken.objects.create(
            user_id=user_id,
            prefix=key[:PREFIX_LENGTH],
            digest=hashlib.sha256(key.encode()).hexdigest(),
        )
        # auto_now_add overrode it on create: keep when the key was made.
        APIToken.objects.filter(pk=token.pk).update(created=_aware(created))
    schema_editor.execute(f"DROP TABLE {table}")


def _aware(created):
    """The old row's creation time (SQLite returns it as naive UTC text)."""
    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    return created if created.tzinfo else created.replace(tzinfo=UTC)


class Migration(migrations.Migration):
    dependencies = [("graphapi", "0001_initial")]

    operations = [
        migrations.RunPython(hash_authtoken_keys, migrations.RunPython.noop),
    ]
