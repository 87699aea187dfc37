"""What one person of a busy office does, for locust (started by ``python -m loadtest.run``).

Each simulated user signs in through the login form (with its CSRF token) and gets a JWT
from the API login, with an account of its own (``loadtest.run`` makes them), then, with
a few seconds between clicks (``LOAD_WAIT``, default 2 to 6 s): the lists (incoming,
outgoing, the tracking lists), a document page, a search, the API's list and get, and,
for the clerks, now and then a paper document received and registered through the API.
Any answer but the expected one is a failure (and locust then exits non-zero)."""

import itertools
import json
import os
import random
import re
from datetime import date

from locust import HttpUser, between, task

FACTS = json.load(open(os.environ["LOAD_FACTS"], encoding="utf-8"))
WORDS = ["ke hoach", "nghị quyết", "đại hội", "kiểm tra giám sát", "chuyển đổi số",
         "đảng viên", "tuyên truyền", "thi đua khen thưởng", "báo cáo"]
_accounts = itertools.cycle(FACTS["accounts"])
# Seconds between two clicks of one person.
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "2,6").split(","))


def pdf_bytes(text):
    """A small PDF showing ``text`` (one per intake, so that no two documents look
    alike)."""
    from tests.pdfs import clean_pdf

    return clean_pdf(text)


class OfficeUser(HttpUser):
    wait_time = between(*WAIT)

    def on_start(self):
        self.account = next(_accounts)
        self.serial = itertools.count(1)
        page = self.client.get("/login/", name="/login/ (form)")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        with self.client.post("/login/", name="/login/ (sign in)", allow_redirects=False,
                              catch_response=True,
                              data={"username": self.account["username"],
                                    "password": FACTS["password"],
                                    "csrf_token": token.group(1) if token else ""}) as resp:
            if resp.status_code != 302 or "/login" in resp.headers.get("Location", ""):
                resp.failure(f"sign-in of {self.account['username']} refused "
                             f"({resp.status_code})")
        resp = self.client.post("/api/v1/security/login", name="/api/v1/security/login",
                                json={"username": self.account["username"],
                                      "password": FACTS["password"], "provider": "db"})
        self.api = {"Authorization": "Bearer " + resp.json()["access_token"]} \
            if resp.status_code == 200 else {}
        # The documents this person may open: those the API lists for them (a clerk or a
        # head sees the unit's; an official only what is assigned to them).
        self.docs = self._ids("/api/v1/incoming/")
        self.out_docs = self._ids("/api/v1/outgoing/")

    def _ids(self, path):
        with self.client.get(path + "?q=(page_size:50)", headers=self.api,
                             name=path + " (ids)", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return []
            return list(resp.json().get("ids", []))

    def _get(self, path, name, expect="table"):
        """GET a screen; it must answer 200 with ``expect`` in the page."""
        with self.client.get(path, name=name, catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
            elif expect and expect not in resp.text:
                resp.failure(f"no {expect!r} in the page")
            elif "/login" in resp.url:
                resp.failure("signed out")

    # -- screens -------------------------------------------------------------------------
    @task(6)
    def incoming_list(self):
        self._get("/incomingview/list/", "/incomingview/list/")

    @task(2)
    def incoming_list_sorted_page_2(self):
        self._get("/incomingview/list/?_oc_IncomingView=arrival_date&_od_IncomingView=desc"
                  "&page_IncomingView=1", "/incomingview/list/ (sorted, page 2)")

    @task(2)
    def outgoing_list(self):
        self._get("/outgoingview/list/", "/outgoingview/list/")

    @task(2)
    def tracking_list(self):
        view = random.choice(["incominginboxview", "incomingtoassignview",
                              "incominginprogressview", "incomingoverdueview"])
        self._get(f"/{view}/list/", "/<tracking>/list/", expect=None)

    @task(5)
    def incoming_page(self):
        if not self.docs:
            return self.incoming_list()
        pk = random.choice(self.docs)
        self._get(f"/incomingview/show/{pk}", "/incomingview/show/<id>", expect="panel")

    @task(1)
    def outgoing_page(self):
        if self.out_docs:
            self._get(f"/outgoingview/show/{random.choice(self.out_docs)}",
                      "/outgoingview/show/<id>", expect="panel")

    @task(3)
    def search(self):
        self._get("/search/?q=" + random.choice(WORDS), "/search/?q=…", expect=None)

    # -- API -----------------------------------------------------------------------------
    @task(3)
    def api_list(self):
        with self.client.get("/api/v1/incoming/?q=(page:0,page_size:25)", headers=self.api,
                             name="/api/v1/incoming/", catch_response=True) as resp:
            if resp.status_code != 200 or "result" not in resp.json():
                resp.failure(f"HTTP {resp.status_code}")

    @task(3)
    def api_get(self):
        if not self.docs:
            return self.api_list()
        pk = random.choice(self.docs)
        with self.client.get(f"/api/v1/incoming/{pk}", headers=self.api,
                             name="/api/v1/incoming/<id>", catch_response=True) as resp:
            if resp.status_code != 200 or resp.json().get("id") != pk:
                resp.failure(f"HTTP {resp.status_code}")

    # -- writes --------------------------------------------------------------------------
    @task(3)
    def api_intake(self):
        """A clerk receives a paper document and registers it (gets its arrival number)."""
        if self.account["role"] != "clerk":
            return self.incoming_list()
        n = next(self.serial)
        mark = f"{self.account['username']}-{n}-{random.randrange(10**9)}"
        today = date.today().isoformat()
        with self.client.post(
                "/api/v1/incoming/intake", headers=self.api, name="/api/v1/incoming/intake",
                catch_response=True,
                files={"file": (f"cong-van-{mark}.pdf", pdf_bytes(f"Công văn {mark}"),
                                "application/pdf")},
                data={"channel": "paper", "arrival_date": today, "document_date": today,
                      "document_type_id": str(FACTS["type_id"]),
                      "author_name": "Sở Nội vụ tỉnh Hưng Yên",
                      "symbol": f"{n}/SNV-{mark}",
                      "summary": f"V/v triển khai kế hoạch công tác (tải thử {mark})",
                      "secrecy": "Không mật", "page_count": "1"}) as resp:
            if resp.status_code != 201 or not resp.json().get("arrival_number"):
                resp.failure(f"HTTP {resp.status_code}: {resp.text[:200]}")
