"""The systemd units shipped in deploy/ are complete and parse: the web service restarts
on failure, reads the environment file, runs as its own user, migrates first, and may
write only its state directory."""

import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNITS = os.path.join(ROOT, "deploy", "systemd")


def _parse(path):
    """``{section: {key: [values]}}`` (systemd allows a key several times)."""
    sections, current = {}, None
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                current = sections.setdefault(line[1:-1], {})
                continue
            key, sep, value = line.partition("=")
            assert sep and current is not None, f"{path}: bad line {line!r}"
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_web_service_is_supervised_and_hardened():
    unit = _parse(os.path.join(UNITS, "qlvb-web.service"))
    service = unit["Service"]
    assert service["Restart"] == ["on-failure"]
    assert service["EnvironmentFile"] == ["/etc/qlvb/qlvb.env"]
    assert service["User"] == ["qlvb"] and service["Group"] == ["qlvb"]
    assert any("gunicorn" in v and "create_app('production')" in v
               for v in service["ExecStart"])
    pre = service["ExecStartPre"]
    assert pre[0].endswith("flask db upgrade") and pre[1].endswith("flask qlvb sync-roles")
    assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"]
    assert service["ReadWritePaths"] == ["/var/lib/qlvb"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def test_the_environment_example_sets_what_production_requires():
    with open(os.path.join(ROOT, "deploy", "qlvb.env.example"), encoding="utf-8") as fh:
        keys = {line.split("=", 1)[0] for line in fh
                if "=" in line and not line.startswith("#")}
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STORAGE_DIR", "QLVB_INSTANCE_DIR",
            "GUNICORN_CMD_ARGS", "AUDIT_KEY"} <= keys


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path):
    # The units name /opt/qlvb/.venv; systemd checks that the commands exist, so point
    # them at this checkout's.
    venv = os.path.join(ROOT, ".venv", "bin") + "/"
    names = sorted(os.listdir(UNITS))
    for name in names:
        with open(os.path.join(UNITS, name), encoding="utf-8") as fh:
            (tmp_path / name).write_text(fh.read().replace("/opt/qlvb/.venv/bin/", venv))
    result = subprocess.run(["systemd-analyze", "verify", *names], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "qlvb" not in result.stderr, result.stderr  # no warning about our units


def test_the_worker_service_runs_the_background_jobs_like_the_web_one():
    web = _parse(os.path.join(UNITS, "qlvb-web.service"))["Service"]
    unit = _parse(os.path.join(UNITS, "qlvb-worker.service"))
    service = unit["Service"]
    assert service["ExecStart"] == ["/opt/qlvb/.venv/bin/flask qlvb worker"]
    assert "qlvb-web.service" in unit["Unit"]["After"][0]
    assert service["Restart"] == ["on-failure"]
    for key in ("EnvironmentFile", "Environment", "User", "Group", "WorkingDirectory",
                "NoNewPrivileges", "ProtectSystem", "ReadWritePaths"):
        assert service[key] == web[key], key
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
