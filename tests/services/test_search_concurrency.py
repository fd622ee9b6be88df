"""Several processes (like gunicorn workers) write records at once; the index must end up
holding every one of them, in its latest state."""
import multiprocessing

import pytest
import sqlalchemy as sa

from ppid.extensions import db
from ppid.search import index as sindex
from ppid.search.indexing import pending_count

WORKERS = 4
PER_WORKER = 12


def _worker(data_dir, url, agency_id, worker_no, count, out):
    from ppid import create_app
    from ppid.registry.models import DipItem
    from ppid.search.testing import make_dip_item
    from tests.conftest import base_config

    app = create_app(base_config(data_dir, url))
    with app.app_context():
        from ppid.agencies.models import Agency
        agency = db.session.get(Agency, agency_id)
        ids = []
        for i in range(count):
            item = make_dip_item(agency, f"Dokumen proses {worker_no} nomor {i} pengelolaan")
            ids.append(item.id)
            db.session.commit()
        for item_id in ids[::2]:  # then change half of them again
            item = db.session.get(DipItem, item_id)
            item.title = f"Dokumen proses {worker_no} diubah {item_id} pengelolaan"
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    out.put(ids)


@pytest.mark.slow
def test_concurrent_writers_lose_no_update(ctx, factories):
    from ppid.search.cli import check_index
    agency = factories.agency()
    db.session.commit()
    agency_id = agency.id
    sindex.clear(ctx)
    db.session.rollback()
    mp = multiprocessing.get_context("spawn")
    out = mp.Queue()
    procs = [mp.Process(target=_worker,
                        args=(ctx.config["DATA_DIR"], ctx.config["SQLALCHEMY_DATABASE_URI"],
                              agency_id, n, PER_WORKER, out))
             for n in range(WORKERS)]
    for p in procs:
        p.start()
    ids = []
    for _ in procs:
        ids.extend(out.get(timeout=240))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(ids) == WORKERS * PER_WORKER
    sindex.forget(ctx)
    # Every worker drained its own changes after each commit: nothing is left queued and
    # the index holds every record in its latest state, with no reindex in between.
    assert pending_count() == 0
    keys = {d["key"]: d["title"] for d in sindex.stored_documents()}
    assert set(keys) == {f"dip:{i}" for i in ids}
    missing, stale, extra = check_index()
    assert (missing, stale, extra) == ([], [], [])
    from ppid.registry.models import DipItem
    titles = dict(db.session.execute(sa.select(DipItem.id, DipItem.title)).all())
    assert all(keys[f"dip:{i}"] == titles[i] for i in ids)
    sindex.clear(ctx)
