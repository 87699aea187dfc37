"""Configuration classes. Secrets and paths come from the environment; the embedded
default (SQLite in ``instance/``) needs no configuration at all."""

import os
from datetime import timedelta

from flask_appbuilder.const import AUTH_DB

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.environ.get("QLVB_INSTANCE_DIR", os.path.join(BASE_DIR, "instance"))


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _sqlalchemy_url(url):
    # psycopg 3 is the driver we ship; accept the common postgres:// spellings.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = _sqlalchemy_url(
        os.environ.get("DATABASE_URL", "sqlite:///" + os.path.join(INSTANCE_DIR, "qlvb.db"))
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # A connection the database dropped (restart, idle timeout) is replaced before use
    # instead of failing the first request of every worker.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Files live outside static/, served only through our own routes.
    STORAGE_DIR = os.environ.get("STORAGE_DIR", os.path.join(INSTANCE_DIR, "files"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 50 * 1024 * 1024))
    # One file's limit (default: the request's); a larger one is refused and not kept.
    MAX_FILE_SIZE = int(os.environ.get("MAX_FILE_SIZE", 0)) or None
    # A file chosen on a form is kept this long for the form's next submit (app/core/staging).
    STAGED_UPLOAD_MINUTES = int(os.environ.get("STAGED_UPLOAD_MINUTES", 120))
    # "Sắp đến hạn": open incoming documents due within this many working days.
    INCOMING_NEAR_DUE_DAYS = int(os.environ.get("INCOMING_NEAR_DUE_DAYS", 3))
    # Trust (DOMAIN §8): extra trust-root PEM files (separated by the path separator, beside
    # those the admin loads in the UI), and the agency's PKCS#12 for signing what it issues.
    QLVB_TRUST_ROOTS = os.environ.get("QLVB_TRUST_ROOTS", "")
    QLVB_AGENCY_P12 = os.environ.get("QLVB_AGENCY_P12", "")
    QLVB_AGENCY_P12_PASSPHRASE = os.environ.get("QLVB_AGENCY_P12_PASSPHRASE", "")

    # Background jobs (app/jobs): RQ over Redis when REDIS_URL is set, else each job runs
    # in the process that queued it, right after the commit (the embedded default).
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "qlvb")
    # OCR of scanned PDFs (app/ocr) where Tesseract and its Vietnamese data are installed:
    # the first page read at intake, the whole file in a job after the commit.
    OCR_ENABLED = _env_bool("OCR_ENABLED", True)

    # Flask-AppBuilder
    APP_NAME = "QLVB&ĐH"
    APP_THEME = ""
    FAB_CREATE_DB = False  # migrations own the schema
    FAB_UPDATE_PERMS = False  # permissions are written by `flask qlvb sync-roles`
    FAB_API_SWAGGER_UI = True
    # Accounts are managed on FAB's security screens, where our account rules apply.
    FAB_ADD_SECURITY_API = False
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_ALLOW_GET_UNSAFE_MUTATIONS = False
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Quản trị hệ thống"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False

    # Account security
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get(
        "RATELIMIT_STORAGE_URI", os.environ.get("REDIS_URL", "memory://")
    )
    RATELIMIT_HEADERS_ENABLED = True
    # Keyed by client address and user name, so that an office behind one NAT address is
    # not locked out by one person's typos; a looser limit per address stops spraying.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")
    LOGIN_RATE_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "60 per minute")
    AUTH_RATE_LIMITED = False  # FAB's own limit is replaced by ours (form and API)
    # Time-limited sign-in locks (app/security/lockout.py): this many failures of one
    # account from one address lock that address; this many from all addresses lock the
    # account but for the addresses it signed in from in the last AUTH_TRUSTED_ADDRESS_DAYS.
    # Each lock of the same key lasts the next period of the list (the last one repeats);
    # a key without failures for AUTH_LOCKOUT_RESET_HOURS starts again from the first.
    AUTH_MAX_FAILED_LOGINS = int(os.environ.get("AUTH_MAX_FAILED_LOGINS", 5))
    AUTH_MAX_FAILED_LOGINS_ACCOUNT = int(os.environ.get("AUTH_MAX_FAILED_LOGINS_ACCOUNT", 20))
    AUTH_LOCKOUT_MINUTES = os.environ.get("AUTH_LOCKOUT_MINUTES", "15,60,240,1440")
    AUTH_LOCKOUT_RESET_HOURS = int(os.environ.get("AUTH_LOCKOUT_RESET_HOURS", 24))
    AUTH_TRUSTED_ADDRESS_DAYS = int(os.environ.get("AUTH_TRUSTED_ADDRESS_DAYS", 30))
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    PASSWORD_MIN_LENGTH = 10
    PERMANENT_SESSION_LIFETIME = timedelta(
        minutes=int(os.environ.get("SESSION_IDLE_MINUTES", 30))
    )
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_PROTECTION = "strong"
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token

    # Lists count their rows up to this many, then read "more than …" and offer the pages
    # up to it (counting a million rows costs more than the page itself).
    LIST_COUNT_CAP = int(os.environ.get("LIST_COUNT_CAP", 10000))

    # Row-level scope: these roles see every unit (read-only unless granted more).
    UNIT_SCOPE_BYPASS_ROLES = ["Quản trị hệ thống", "Văn phòng"]

    # Language and time
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
    LANGUAGES = {
        "vi": {"flag": "vn", "name": "Tiếng Việt"},
        "en": {"flag": "gb", "name": "English"},
    }
    TIMEZONE = "Asia/Ho_Chi_Minh"

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # The audit chain's HMAC key, kept outside the database. Without it (development), a
    # random key is made on first use in AUDIT_KEY_FILE (readable by its owner only).
    AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
    AUDIT_KEY_FILE: str | None = os.environ.get("AUDIT_KEY_FILE",
                                                os.path.join(INSTANCE_DIR, "audit.key"))
    # Where `flask qlvb audit anchor` and every register print append the chain's head.
    AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE",
                                       os.path.join(INSTANCE_DIR, "audit-anchors.log"))


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-of-thirty-two-bytes!"
    SQLALCHEMY_DATABASE_URI = _sqlalchemy_url(
        os.environ.get("TEST_DATABASE_URL", "sqlite:///" + os.path.join(INSTANCE_DIR, "test.db"))
    )
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    # Jobs run inline in tests; tests/jobs runs them on RQ with the real Redis.
    REDIS_URL = None
    # Seconds of Tesseract for every short test PDF: tests/ocr turns it on.
    OCR_ENABLED = False
    WTF_CSRF_ENABLED = False
    # Hashing with scrypt's default cost makes a suite of hundreds of logins slow.
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    AUDIT_KEY = "test-audit-key-not-for-production"
    AUDIT_KEY_FILE = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PREFERRED_URL_SCHEME = "https"

    def __init__(self):
        # Refuse to start with a secret that anybody can read in this file.
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production")
        # A key in a file beside the database would be in the reach of whoever rewrites it.
        if len(os.environ.get("AUDIT_KEY", "")) < 32:
            raise RuntimeError("AUDIT_KEY (at least 32 characters) must be set in production")
        self.AUDIT_KEY_FILE = None


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}
