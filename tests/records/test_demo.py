"""The demo's work files (``flask qlvb seed-demo``, docs/domain.md §9): an approved plan of
about twenty entries, open and closed files with real demo documents, a file due, one
accepted transfer; running it again adds nothing."""

from sqlalchemy import func, select

from app.extensions import db


def test_demo_work_files(app, runner):
    from app.records.models import FileItem, FilePlan, TransferLine, WorkFile

    result = runner.invoke(args=["qlvb", "seed-demo"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "luutru.vphu" in result.output and "Lưu trữ cơ quan" in result.output
    with app.app_context():
        s = db.session
        plan = s.scalars(select(FilePlan)).one()
        assert plan.state == "approved" and 18 <= len(plan.entries) <= 25
        states = sorted(f.state for f in s.scalars(select(WorkFile)))
        assert states == ["archived", "closed", "closed", "open"]
        kinds = {i.kind for i in s.scalars(select(FileItem))}
        assert kinds == {"incoming", "outgoing", "internal"}
        assert [x.result for x in s.scalars(select(TransferLine))] == ["accepted"]
        from app.records import services

        assert len(services.due_files(s)) == 1
        before = s.scalar(select(func.count(FileItem.id)))
        s.remove()
    again = runner.invoke(args=["qlvb", "seed-demo"])
    assert again.exit_code == 0 and "already present" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(FileItem.id))) == before
