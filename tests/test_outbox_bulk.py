"""enqueue_many stores, row for row and in the same order, what one enqueue call per message stores."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, select

from monitor.channels.base import Message
from monitor.channels.wecom import WeComChannel
from monitor.storage import outbox_bulk, outbox_store
from monitor.storage.outbox_bulk import Outgoing, enqueue_many
from monitor.storage.tables import outbox

NOW = datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)


def messages() -> list[Outgoing]:
    channel = WeComChannel("http://127.0.0.1:9/cgi-bin/webhook/send?key=k")
    out = []
    for n in range(7):
        message = Message(title=f"城口县 {n} 项预警", text="\n".join(f"**{i}. 指标{i}** 〈低于序时进度〉“引号”" * 20
                                                                for i in range(n * 15 + 1)))
        payloads = channel.parts(message, 600)
        out.append(Outgoing(receiver=f"county-{n % 3}", channel=channel.kind, target=channel.target(),
                            kind="firing" if n % 2 else "reminder", group_key=f"county-{n % 3}:{{region=城口县}}",
                            message=message, payloads=payloads, budget=600, fingerprints=[f"{n:016x}", "ab" * 8]))
    assert sum(len(m.payloads) for m in out) > 20
    return out


def stored(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(outbox).order_by(outbox.c.id))]
    batches: dict[str, int] = {}
    for row in rows:  # batch ids are random: compare which parts share one
        row["batch"] = batches.setdefault(row["batch"], len(batches))
        row.pop("id")
    return rows


@pytest.mark.parametrize("chunk", [outbox_bulk.CHUNK, 4])
def test_enqueue_many_stores_the_rows_enqueue_stores(engine, monkeypatch, chunk):
    items = messages()
    with engine.begin() as conn:
        for item in items:
            outbox_store.enqueue(conn, receiver=item.receiver, channel=item.channel, target=item.target,
                                 kind=item.kind, group_key=item.group_key, message=item.message,
                                 payloads=item.payloads, budget=item.budget, fingerprints=item.fingerprints, now=NOW)
    expected = stored(engine)
    with engine.begin() as conn:
        conn.execute(delete(outbox))
    monkeypatch.setattr(outbox_bulk, "CHUNK", chunk)
    with engine.begin() as conn:
        assert enqueue_many(conn, items, NOW) == len(expected)
    assert stored(engine) == expected
    with engine.begin() as conn:
        assert enqueue_many(conn, [], NOW) == 0
