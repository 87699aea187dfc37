"""FAB's method names mapped to our few actions (read, write, download), for the views and
APIs of every feature; which roles hold those actions on which resource is
``app/security/permissions.py``."""

CRUD_METHODS: dict[str, str] = {
    "list": "read", "show": "read", "get": "read", "get_list": "read", "info": "read",
    "add": "write", "edit": "write", "delete": "write", "post": "write", "put": "write",
    "api": "read", "api_read": "read", "api_get": "read", "api_column_add": "write",
    "api_column_edit": "write", "api_create": "write", "api_update": "write",
    "api_delete": "write", "download": "download",
}
