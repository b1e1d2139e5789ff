"""Tamper evidence, for auditors: `rrf audit verify` (both chains and their signed checkpoints),
`rrf audit keygen` (the signing key pair) and `rrf audit verify-export` (an export checked with no
database). Their lines are English unless `--lang lv`: scripts and auditors' tools read them.

The services (and with them the signatures' cryptography) are imported in the commands' bodies
(see rrf.cli.main)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from rrf.cli.app import audit_app
from rrf.cli.common import DbOpt, PlanOpt, context, err, input_errors, lang_of, say
from rrf.cli.text import visible
from rrf.rules.i18n import Words

if TYPE_CHECKING:
    from rrf.models.verify import Broken

Lang = Annotated[str, typer.Option("--lang", help="Language of the lines: en or lv")]
PublicKey = Annotated[Optional[Path], typer.Option(
    "--public-key", help="the public key that signs the checkpoints [env: RRF_AUDIT_PUBLIC_KEY] (default: the "
                         "public half of RRF_AUDIT_KEY)")]


def broken(_: Words, problem: "Broken", intact: int | None = None) -> None:
    """BROKEN and the problem on stderr, then exit 3; `intact`: the log entries before it that hold."""
    said = problem.said(_.lang)
    line = (_("BROKEN: {problem}", problem=said) if not intact else
            _.ngettext("BROKEN: {problem} (the entry before it is intact)",
                       "BROKEN: {problem} (the {n} entries before it are intact)", intact, problem=said))
    err.print(visible(line), style="bold red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(3)


@audit_app.command("verify")
@input_errors
def audit_verify(
    public_key: PublicKey = None,
    checkpoints: Annotated[Optional[Path], typer.Option(
        "--checkpoints", help="the folder of signed checkpoints [env: RRF_CHECKPOINT_DIR] (default: "
                              "./rrf-checkpoints)")] = None,
    lang: Lang = "en",
    db: DbOpt = None, plan: PlanOpt = None,  # noqa: ARG001
) -> None:
    """Check the evaluation log and the trail, then the signed checkpoints against them: exit 0
    when all hold, 3 naming the first problem (a changed, missing or added entry or row, a log
    truncated after an entry, a log rewritten with its hashes computed again, a forged checkpoint)."""
    from rrf.services import audit

    _ = Words(lang_of(lang))
    v = audit.verify(context(db=db), public_key=public_key, folder=checkpoints)
    chains, signed = v.chains, v.signed
    if chains.broken is not None:
        seq = chains.broken.seq  # the entries before it (a plan text's problem is found after the whole walk)
        broken(_, chains.broken, min(chains.entries, seq - 1) if seq is not None else None)
    say(_.ngettext("intact: {entries} entries in {n} run; head {head}", "intact: {entries} entries in {n} runs; "
                   "head {head}", chains.runs, entries=chains.entries, head=chains.head))
    say(_("trail intact: {entries} entries (records, import files, messages, notices, acknowledgements, "
          "waivers); head {head}", entries=chains.trail_entries, head=chains.trail_head))
    if signed.problem is not None:
        broken(_, signed.problem)
    say(v.signed_said(_.lang))


@audit_app.command("keygen")
@input_errors
def audit_keygen(
    output: Annotated[Path, typer.Option("--output", help="the folder for the key pair (made if missing)")],
    lang: Lang = "en",
) -> None:
    """Make the Ed25519 key pair that signs the checkpoints: the private key (mode 0600) for the
    machine that runs the checks (RRF_AUDIT_KEY), the public key for the auditors."""
    from rrf.services import checkpoint

    _ = Words(lang_of(lang))
    private, public, fingerprint = checkpoint.keygen(output)
    say(_("private key: {private} (readable by you only; set RRF_AUDIT_KEY={private} where checks run, and keep it "
          "out of the database and its backups)", private=str(private)))
    say(_("public key: {public} (give it to the auditors; key {key})", public=str(public), key=fingerprint[:16]))


@audit_app.command("verify-export")
@input_errors
def audit_verify_export(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="a JSON export: rrf audit export --format json --kind all")],
    public_key: Annotated[Path, typer.Option("--public-key", help="the public key that signs the checkpoints")],
    checkpoint_file: Annotated[Path, typer.Option("--checkpoint", help="a checkpoint file written after the export's "
                                                                       "last entry, or before it")],
    lang: Lang = "en",
) -> None:
    """Verify an export of the log with no database: every hash computed again, and the export
    holding the head the checkpoint signed. Exit 0 when it holds, 3 naming the first problem."""
    from rrf.services import audit

    _ = Words(lang_of(lang))
    v = audit.verify_export(file, public_key, checkpoint_file)
    if v.broken is not None:
        broken(_, v.broken, v.entries if v.broken.seq is not None else None)
    c = v.checkpoint
    say(_.ngettext("intact: {n} entry; head {head}", "intact: {n} entries; head {head}", v.entries, head=v.head))
    say(_.ngettext("signed: checkpoint {seq} of {at} (key {key}) holds entries 1-{entry}; {n} entry after them is "
                   "not signed by it",
                   "signed: checkpoint {seq} of {at} (key {key}) holds entries 1-{entry}; {n} entries after them are "
                   "not signed by it", max(v.entries - c.log.entry, 0), seq=c.sequence, at=c.at, key=v.key[:16],
                   entry=c.log.entry))
