"""`python run.py` serves the app for development; `FLASK_APP=run.py flask …` runs commands."""

import os

from app import create_app

app = create_app(os.environ.get("QLVB_CONFIG", "development"))

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", 5000)))
