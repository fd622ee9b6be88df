"""``flask --app wsgi ppid emonev-pack SLUG [--year Y] [--output F]``: an agency's E-Monev
evidence pack (ppid.evaluation.pack); ``emonev-pack --all`` every active agency's, in one
ZIP with a folder per agency.

``flask --app wsgi ppid ikm-remind``: remind requesters, once, of their unanswered
satisfaction survey (IKM_REMINDER_DAYS after the request closed), for cron::

    15 8 * * *  cd /srv/ppid && .venv/bin/flask --app wsgi ppid ikm-remind >> /var/log/ppid/ikm.log 2>&1
"""
import click

from ppid.cli import cli, now_option
from ppid.extensions import db


@cli.command("ikm-remind")
@now_option
def ikm_remind_cmd(now):
    """Queue the one reminder of each unanswered survey that is due."""
    from ppid.core.db import utcnow
    from ppid.evaluation.services import send_reminders
    sent = send_reminders(now=now or utcnow())
    db.session.commit()
    click.echo(f"pengingat survei IKM: {sent} dikirim")


@cli.command("emonev-pack")
@click.argument("slug", required=False)
@click.option("--all", "all_agencies", is_flag=True,
              help="Paket semua badan publik aktif dalam satu ZIP (satu folder per badan).")
@click.option("--year", "year", type=int, default=None,
              help="Tahun penilaian (bawaan: tahun ini).")
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True),
              default=None, help="Berkas ZIP tujuan (bawaan: emonev-SLUG-TAHUN.zip).")
@now_option
def emonev_pack_cmd(slug, all_agencies, year, output, now):
    """Build the E-Monev evidence pack of agency SLUG (or of every active agency with
    --all): one PDF per question, an index and a manifest of every evidence link with the
    status it answered just now. Exits 1 when a link is broken (the pack is still written,
    with the broken links reported)."""
    import io
    import json
    import zipfile

    import sqlalchemy as sa

    from ppid.agencies.models import Agency
    from ppid.core.db import utcnow
    from ppid.core.services import local_today
    from ppid.evaluation import assessment, pack
    now = now or utcnow()
    if bool(slug) == bool(all_agencies):
        raise click.UsageError("sebutkan SLUG satu badan publik, atau --all")
    year = year or local_today(now).year
    try:
        assessment.check_year(year, local_today(now))
    except assessment.AssessmentError as exc:
        raise click.ClickException(str(exc.message)) from None
    if all_agencies:
        output = output or f"emonev-semua-{year}.zip"
        done = pack.build_all_packs(year, output, now=now)
        click.echo(f"paket bukti E-Monev {year}: {done['packs']} badan publik di {output}, "
                   f"tautan rusak: {done['broken']}")
        if done["broken"]:
            raise SystemExit(1)
        return
    agency = db.session.execute(sa.select(Agency).where(Agency.slug == slug)).scalar()
    if agency is None:
        raise click.ClickException(f"badan publik {slug!r} tidak ada")
    body = pack.build_pack(agency, year, now=now)
    output = output or pack.pack_name(agency, year)
    with open(output, "wb") as f:
        f.write(body)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("manifest.json"))
    click.echo(f"paket bukti E-Monev {agency.slug} {year}: {output} ({len(body)} bait), "
               f"tautan rusak: {manifest['broken_links']}")
    if manifest["broken_links"]:
        raise SystemExit(1)


@cli.command("check-links")
@now_option
def check_links_cmd(now):
    """Open every URL the registry publishes (agency websites, PPID pages, documents) and
    keep the answers: a link that does not answer is an alert of its agency."""
    from ppid.core.db import utcnow
    from ppid.evaluation import links, pack
    checked, failing = links.run_check(checker=pack.check_url, now=now or utcnow())
    db.session.commit()
    click.echo(f"tautan diperiksa: {checked}, tidak dapat dibuka: {failing}")
