"""Notices decided, acknowledgements, waivers and the outbox. Every function takes the session as
a keyword.

Notices, acknowledgements and waivers are append-only; an outbox row records its own delivery.
Each row is entered in the trail (models.trail) as it is inserted. Which channels of its recipient
a message reached is kept apart (`outbox_delivery`, append-only, not in the trail: like an outbox
row's status, it is delivery, not a decision).
"""

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rrf.models import trail
from rrf.models.tables import Acknowledgement, Notice, Outbox, OutboxDelivery
from rrf.models.tables import Waiver as WaiverRow
from rrf.rules.escalate import Ack, Sent, Waiver
from rrf.rules.vocab import RecipientKey


def history(*, session: Session) -> tuple[list[Sent], list[Ack]]:
    """What was decided before, oldest first, as the pure core reads it."""
    sent = [
        Sent(n.day, n.item_id, RecipientKey.parse(n.recipient), n.level, n.status, n.kind)  # type: ignore[arg-type]
        for n in session.exec(select(Notice).order_by(Notice.id))
    ]
    acks = [
        Ack(a.item_id, a.day, a.by, a.reason, a.until, a.status, a.level)
        for a in session.exec(select(Acknowledgement).order_by(Acknowledgement.id))
    ]
    return sent, acks


def add_outbox(*, session: Session, message: Outbox) -> Outbox | None:
    """The message, or None when one with the same dedup key exists already."""
    if session.exec(select(Outbox.id).where(Outbox.dedup_key == message.dedup_key)).first() is not None:
        return None
    session.add(message)
    session.flush()
    trail.append_ids(session=session, table="outbox", ids=[message.id])
    return message


def add_notices(*, session: Session, notices: list[Notice]) -> None:
    session.add_all(notices)
    session.flush()
    trail.append_ids(session=session, table="notice", ids=[n.id for n in notices])


def add_ack(*, session: Session, ack: Acknowledgement) -> Acknowledgement:
    session.add(ack)
    session.flush()
    trail.append_ids(session=session, table="acknowledgement", ids=[ack.id])
    return ack



def pending(*, session: Session) -> list[Outbox]:
    """Messages not yet delivered (also those a crashed delivery left claimed)."""
    return list(session.exec(select(Outbox).where(col(Outbox.status).in_(("pending", "sending"))).order_by(Outbox.id)))


def claim(*, session: Session, message_id: int, at: datetime, lease_seconds: float) -> bool:
    """Mark a message as being sent by this process; False if it is sent or another process has it.
    A claim older than `lease_seconds` (the notification configuration's `[delivery] lease_seconds`:
    its process died while sending) may be taken over."""
    result = session.exec(
        update(Outbox)
        .where(Outbox.id == message_id)
        .where(or_(Outbox.status == "pending",
                   and_(Outbox.status == "sending",
                        col(Outbox.last_attempt_at) < at - timedelta(seconds=lease_seconds))))
        .values(status="sending", last_attempt_at=at)
    )
    return result.rowcount == 1


def supersede(*, session: Session, message_id: int, by: int) -> bool:
    """Mark a pending message (no process sending it) superseded by a newer one; False if it was not
    pending any more (sent, or being sent by another process)."""
    received = select(OutboxDelivery.id).where(OutboxDelivery.outbox_id == message_id).exists()
    result = session.exec(update(Outbox).where(Outbox.id == message_id, Outbox.status == "pending", ~received)
                          .values(status="superseded", superseded_by=by))
    return result.rowcount == 1


def claimed(*, session: Session) -> list[Outbox]:
    """Messages a process has claimed and not yet marked sent or failed, oldest first."""
    return list(session.exec(select(Outbox).where(Outbox.status == "sending").order_by(Outbox.id)))


def outbox(*, session: Session, status: str | None = None, run_id: str | None = None) -> list[Outbox]:
    query = select(Outbox).order_by(Outbox.id)
    if status is not None:
        query = query.where(Outbox.status == status)
    if run_id is not None:
        query = query.where(col(Outbox.run_id).startswith(run_id))
    return list(session.exec(query))


def mark_attempt(*, session: Session, message_id: int, at: datetime, ok: bool, error: str | None,
                 tries: int = 1) -> None:
    """Record a delivery of `tries` attempts; a sent message is never touched again."""
    message = session.get(Outbox, message_id)
    if message is None or message.status == "sent":
        return
    message.attempts += tries
    message.last_attempt_at = at
    message.last_error = None if ok else error
    message.status = "sent" if ok else "pending"
    if ok:
        message.sent_at = at
    session.add(message)
    session.flush()


def add_delivery(*, session: Session, message_id: int, channel: str, at: datetime) -> None:
    """Record that a channel of its recipient (`email`, `url 1`...) accepted a message; once (a
    delivery that took the message over from a lease too short may have recorded it already)."""
    if channel in delivered(session=session, message_ids=[message_id]).get(message_id, []):
        return
    try:
        with session.begin_nested():  # another delivery may record it between the look and the insert
            session.add(OutboxDelivery(outbox_id=message_id, channel=channel, delivered_at=at))
    except IntegrityError:
        pass


def delivered(*, session: Session, message_ids: Collection[int]) -> dict[int, list[str]]:
    """The channels each of these messages reached, in the order they did (a message that
    reached none is not in it)."""
    wanted = set(message_ids)
    if not wanted:
        return {}
    reached: dict[int, list[str]] = defaultdict(list)
    rows = session.exec(select(OutboxDelivery)  # the ids' range: a long list of ids is no query parameter
                        .where(col(OutboxDelivery.outbox_id).between(min(wanted), max(wanted)))
                        .order_by(OutboxDelivery.id))
    for row in rows:
        if row.outbox_id in wanted:
            reached[row.outbox_id].append(row.channel)
    return dict(reached)


def last_ack(*, session: Session, item_id: str) -> Acknowledgement | None:
    return session.exec(
        select(Acknowledgement).where(Acknowledgement.item_id == item_id).order_by(col(Acknowledgement.id).desc())
    ).first()


def notices_on(*, session: Session, day: date) -> list[Notice]:
    return list(session.exec(select(Notice).where(Notice.day == day).order_by(Notice.id)))


def told_about(*, session: Session, item_id: str | None) -> list[tuple[Notice, Outbox | None]]:
    """Every notice decided about an item (None: about every item) with its message, oldest first."""
    query = select(Notice, Outbox).join(Outbox, col(Notice.outbox_id) == col(Outbox.id), isouter=True)
    if item_id is not None:
        query = query.where(Notice.item_id == item_id)
    return [(n, m) for n, m in session.exec(query.order_by(Notice.id))]


def acks_for(*, session: Session, item_id: str | None) -> list[Acknowledgement]:
    """The acknowledgements of an item (None: of every item), oldest first."""
    query = select(Acknowledgement)
    if item_id is not None:
        query = query.where(Acknowledgement.item_id == item_id)
    return list(session.exec(query.order_by(Acknowledgement.id)))


def add_waiver(*, session: Session, waiver: WaiverRow) -> WaiverRow:
    session.add(waiver)
    session.flush()
    trail.append_ids(session=session, table="waiver", ids=[waiver.id])
    return waiver


def waivers(*, session: Session, day: date | None = None, item_id: str | None = None) -> list[Waiver]:
    """The waivers as the pure core reads them, oldest first: those in force on `day` (None:
    every one), of one item (None: of every item)."""
    query = select(WaiverRow)
    if day is not None:
        query = query.where(WaiverRow.day <= day, WaiverRow.expires >= day)
    if item_id is not None:
        query = query.where(WaiverRow.item_id == item_id)
    return [Waiver(w.item_id, w.breakdown_key, w.approver, w.reason, w.day, w.expires)
            for w in session.exec(query.order_by(WaiverRow.id))]
