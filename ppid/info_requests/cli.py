"""``flask --app wsgi ppid requests-due``: open requests and objections past or near due."""
import click

from ppid.cli import cli


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
        due = obj.effective_due_on if kind == "request" else obj.due_on
        label = "permohonan" if kind == "request" else "keberatan"
        click.echo(f"{level:<10} {label:<10} {obj.registration_number:<24} "
                   f"jatuh tempo {due.isoformat()}  {obj.agency.name}")
