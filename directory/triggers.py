"""Database triggers that write a ChangeStamp with every change to the data the directory shows.

They are (re)installed after every `migrate` (and `flush`), not by a migration: SQLite drops a
table's triggers whenever a migration rebuilds the table, which a later membership migration may
do at any time. Installing is idempotent.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from directory.models import ChangeStamp
from membership.models import Community, Membership, MembershipClass, Partnership

WATCHED = (Community, Membership, MembershipClass, Partnership)

_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION directory_write_change_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Stamps of changes already committed go; rows that another writer holds are skipped, not
    -- waited for, so writers never block each other here.
    DELETE FROM {table} WHERE id IN (SELECT id FROM {table} FOR UPDATE SKIP LOCKED);
    INSERT INTO {table} (stamp) VALUES (gen_random_uuid()::text);
    RETURN NULL;
END
$$
"""
_POSTGRESQL_TRIGGER = """
CREATE OR REPLACE TRIGGER directory_change_stamp
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {watched}
FOR EACH STATEMENT EXECUTE FUNCTION directory_write_change_stamp()
"""
# SQLite has one writer at a time and row-level triggers only.
_SQLITE_TRIGGER = """
CREATE TRIGGER directory_change_stamp_{event}_{watched} AFTER {event} ON {watched}
BEGIN
    DELETE FROM {table};
    INSERT INTO {table} (stamp) VALUES (lower(hex(randomblob(16))));
END
"""


def install_change_triggers(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Install the triggers and make sure a stamp exists; a post_migrate receiver."""
    connection = connections[using]
    tables = {model._meta.db_table for model in (ChangeStamp, *WATCHED)}
    if not tables <= set(connection.introspection.table_names()):
        return  # Migrated backwards, or not yet this far.
    table = connection.ops.quote_name(ChangeStamp._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRESQL_FUNCTION.format(table=table))
            for model in WATCHED:
                watched = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(_POSTGRESQL_TRIGGER.format(watched=watched))
        elif connection.vendor == "sqlite":
            for model in WATCHED:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    name = f"directory_change_stamp_{event}_{model._meta.db_table}"
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                    cursor.execute(
                        _SQLITE_TRIGGER.format(
                            event=event, watched=model._meta.db_table, table=table
                        )
                    )
        else:
            raise NotImplementedError(f"No change triggers for {connection.vendor}.")
    if not ChangeStamp.objects.using(using).exists():
        ChangeStamp.objects.using(using).create(stamp=str(uuid.uuid4()))
