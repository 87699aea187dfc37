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
