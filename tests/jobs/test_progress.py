"""Long work shows progress (docs/domain.md §7): a year's registers and a search export
are background jobs; the page of the job shows its percent while it runs and its result
when done, to the user who asked only."""

import io
import zipfile

from sqlalchemy import select

from tests.conftest import client_for


def _job(app, job_id):
    from app.extensions import db
    from app.jobs.models import Job

    with app.app_context():
        job = db.session.get(Job, job_id)
        values = (job.kind, job.state, job.user_id, job.result_name)
        db.session.remove()
    return values


def test_year_bundle_is_a_job_with_progress_and_result(app, world):
    c = client_for(app, "vanthu.vphu")
    year = 2026
    resp = c.get(f"/registers/bundle?unit={world.ids['vphu']}&year={year}")
    assert resp.status_code == 302
    page_url = resp.headers["Location"]
    job_id = int(page_url.rstrip("/").rsplit("/", 1)[1])
    kind, state, user_id, name = _job(app, job_id)
    assert (kind, state, user_id) == ("registers.year_bundle", "done", world.ids["vanthu.vphu"])
    assert name == f"sổ đăng ký văn bản VPHU {year}.zip"
    html = c.get(page_url).get_data(as_text=True)
    assert 'aria-valuenow="100"' in html and "Tải kết quả" in html
    assert 'http-equiv="refresh"' not in html  # done: the page stops refreshing
    resp = c.get(page_url + "/result")
    assert resp.status_code == 200
    assert "filename*=UTF-8''s%E1%BB%95" in resp.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(resp.data)) as bundle:
        assert len(bundle.namelist()) == 3
    # Another user — of the same unit too — neither sees the job nor takes its result.
    for other in ("lanhdao.vphu", "vanthu.btchu"):
        o = client_for(app, other)
        assert o.get(page_url).status_code == 404
        assert o.get(page_url + "/result").status_code == 404


def test_progress_is_reported_volume_by_volume(app, world):
    from app.extensions import db
    from app.registers import services
    from app.units.models import Unit

    seen = []
    with app.test_request_context():
        unit = db.session.get(Unit, world.ids["vphu"])
        services.write_year_bundle(db.session, unit, 2026, "mark", io.BytesIO(),
                                   progress=lambda done, total: seen.append((done, total)))
        db.session.remove()
    assert seen == [(i, 6) for i in range(1, 7)]


def test_running_job_page_refreshes_and_shows_its_percent(app, world):
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.jobs import progress
    from app.jobs.models import Job

    with app.app_context():
        job = Job(kind="search.export", arguments={}, state="running", attempts=1,
                  created_at=utcnow(), user_id=world.ids["vanthu.vphu"])
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        progress.set_percent(job_id, 42)
        db.session.remove()
    html = client_for(app, "vanthu.vphu").get(f"/myjobs/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and 'aria-valuenow="42"' in html
    assert "Đang chạy" in html
    assert "Tải kết quả" not in html


def test_search_export_is_a_job_of_the_user(app, world):
    from app.extensions import db
    from app.jobs.models import Job

    c = client_for(app, "vanthu.vphu")
    resp = c.get("/search/export?q=ke+hoach&urgency=1")
    assert resp.status_code == 302
    with app.app_context():
        job = db.session.scalars(select(Job).where(Job.kind == "search.export")).one()
        assert job.arguments["args"] == [["q", "ke hoach"], ["urgency", "1"]]
        assert job.state == "done", job.last_error
        assert job.result_name == "kết quả tra cứu văn bản.xlsx"
        db.session.remove()
    resp = c.get(resp.headers["Location"] + "/result")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"
    assert client_for(app, "vanthu.btchu").get(resp.request.path).status_code == 404


def test_long_commands_report_their_progress(app, world):
    """`storage verify` and `search reindex` move a progress bar on a terminal: the
    functions behind them say how far they are."""
    from app.core import storage
    from app.extensions import db
    from app.search.index import reindex_all

    with app.test_request_context():
        seen = []
        storage.verify_all(db.session, progress=lambda done, total: seen.append((done, total)))
        assert all(d <= t for d, t in seen)
        seen = []
        count = reindex_all(db.session, progress=lambda done, total: seen.append((done,
                                                                                 total)))
        assert (not seen and count == 0) or seen[-1] == (count, count)
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["qlvb", "search", "reindex"])
    assert result.exit_code == 0 and "indexed" in result.output
