"""Many requests in one test: each wrong answer, and each route that crashes, is noted and
the test goes on, so that one run names every failure (the scope tests)."""


class Failures(list):
    """Collects every wrong answer of a test, so that one run names all of them."""

    def expect(self, resp, codes, label):
        codes = (codes,) if isinstance(codes, int) else codes
        if resp.status_code not in codes and not isinstance(resp, Crashed):
            self.append(f"{label}: got {resp.status_code}, expected {codes}")

    def check(self, ok, label):
        if not ok:
            self.append(label)

    def assert_none(self):
        assert not self, "\n".join(self)


class Crashed:
    """The answer of a route that raised (a 500 for the user)."""

    status_code = 500
    headers = {}

    def get_data(self, as_text=False):
        return ""


def call(client, method, path, failures, **kwargs):
    """``client.<method>(path)``; an exception inside the app, or a 5xx answer, is a failure
    noted in ``failures``, not a crash of the test."""
    rowid = kwargs.get("data", {}).get("rowid")
    label = (f"{getattr(client, 'username', '?')} {method.upper()} {path}"
             f"{f' rowid={rowid}' if rowid is not None else ''}")
    try:
        resp = getattr(client, method)(path, **kwargs)
    except Exception as error:  # noqa: BLE001 - the route crashed: record which and how
        failures.append(f"{label}: raised {type(error).__name__}: {str(error)[:160]}")
        return Crashed()
    if resp.status_code >= 500:
        failures.append(f"{label}: {resp.status_code}")
    return resp


def expect_scoped_reads(clients, reads, failures, *, others, no_role, leaks, refusal):
    """Each of ``others`` (users of another unit) sees each list of ``reads`` without the
    documents ``leaks(html)`` finds, and is refused every other read; ``no_role`` (a user of
    the owning unit without the role) is refused them all. ``reads`` are (name, path,
    permission); ``refusal(user, permission)`` is the status a refused user must get."""
    for user in others + [no_role]:
        for name, path, permission in reads:
            resp = call(clients(user), "get", path, failures)
            if name == "list" and user != no_role:
                failures.expect(resp, 200, f"{user} {path}")
                found = leaks(resp.get_data(as_text=True))
                failures.check(not found, f"{user} {path} shows VPHU's {found}")
            else:
                failures.expect(resp, refusal(user, permission), f"{user} {path}")
