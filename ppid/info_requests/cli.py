"""``flask --app wsgi ppid requests-due``: open requests and objections past or near due."""
import click

from ppid.cli import cli, now_option


@cli.command("requests-due")
def requests_due_cmd():
    """List requests and objections that are overdue or due within 3 working days."""
    from ppid.core.db import utcnow
    from ppid.info_requests.services import urgent_items
    items = [i for group in urgent_items(now=utcnow()).values() for i in group]
    if not items:
        click.echo("Tidak ada permohonan atau keberatan yang terlambat atau segera jatuh tempo.")
        return
    for kind, obj, level in sorted(items, key=lambda i: (i[2], i[1].registration_number)):
        due = {"request": lambda: obj.effective_due_on,
               "order": lambda: obj.order_due_on}.get(kind, lambda: obj.due_on)()
        label = {"request": "permohonan", "order": "perintah"}.get(kind, "keberatan")
        click.echo(f"{level:<10} {label:<10} {obj.registration_number:<24} "
                   f"jatuh tempo {due.isoformat()}  {obj.agency.name}")


@cli.command("purge-personal-data")
@click.option("--dry-run", is_flag=True,
              help="Hanya hitung apa yang akan dihapus; tidak mengubah apa pun.")
@click.option("--list", "show", is_flag=True,
              help="Tampilkan juga nomor pendaftaran permohonan yang (akan) dihapus datanya.")
@click.option("--quiet", is_flag=True,
              help="Tanpa keluaran bila tidak ada yang dihapus (untuk cron).")
@now_option
def purge_personal_data_cmd(dry_run, show, quiet, now):
    """Erase the personal data of requests whose retention period is over
    (PERSONAL_DATA_RETENTION_YEARS after the request and its objections and disputes
    closed); idempotent, for a daily cron. See ppid/info_requests/privacy.py."""
    from flask import current_app

    from ppid.broadcasts import services as following
    from ppid.core.db import utcnow
    from ppid.extensions import db
    from ppid.info_requests import privacy
    summary = privacy.purge(now=now or utcnow(), dry_run=dry_run)
    # Followers' addresses too: a subscription that ended past FOLLOW_RETENTION_DAYS.
    followers = following.purge(now=now or utcnow(), dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    if followers or not quiet:
        click.echo(f"Langganan yang berakhir lebih dari "
                   f"{current_app.config['FOLLOW_RETENTION_DAYS']} hari lalu "
                   f"{'akan dihapus' if dry_run else 'dihapus'} beserta alamatnya: {followers}")
    if quiet and not summary.requests and not summary.objections:
        return
    verb = "akan dihapus" if dry_run else "dihapus"
    click.echo(f"Masa retensi data pribadi: {summary.years} tahun setelah permohonan, "
               f"keberatan dan sengketanya selesai; acuan {summary.today.isoformat()}.")
    if summary.objections:
        click.echo(f"Keberatan tanpa permohonan (informasi berkala) yang data pribadinya "
                   f"{verb}: {summary.objections}")
    if not summary.requests:
        click.echo("Tidak ada permohonan yang masa retensinya berakhir dengan data pribadi "
                   "tersisa." + (" (uji coba, tidak ada yang diubah)" if dry_run else ""))
        return
    click.echo(f"Permohonan yang data pribadinya {verb}: {summary.requests}")
    for name in (*privacy.rules.ERASED_FIELDS, "surat_kuasa", "requester_user"):
        if summary.fields.get(name):
            click.echo(f"  {privacy.rules.ERASED_FIELD_NAMES[name]:<16} {summary.fields[name]} permohonan")
    if dry_run:
        click.echo(f"Surat yang akan diperiksa: {summary.letters}; berkas tersimpan yang "
                   f"dilepas: {summary.files_released}.")
        click.echo("Uji coba: tidak ada yang diubah.")
    else:
        click.echo(f"Surat yang disamarkan: {summary.letters}; e-mail keluar yang dihapus: "
                   f"{summary.mails}; berkas dihapus dari penyimpanan: "
                   f"{summary.files_removed} dari {summary.files_released}.")
        click.echo("Setiap penghapusan dicatat di log audit (nomor, kolom, waktu; tanpa "
                   "datanya).")
    if show:
        for number in summary.erased:
            click.echo(f"  {number}")
