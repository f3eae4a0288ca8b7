"""Flask extensions, created unbound and attached to the app in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PortalSession(FlaskSession):
    """The session hands the background jobs its transaction added over once that commits
    (portal/jobs/services.py): to the queue, or without Redis to run right here."""

    def commit(self) -> None:
        pending = self.info.pop("portal_jobs_pending", None)
        try:
            super().commit()
        except BaseException:
            if pending:
                self.info["portal_jobs_pending"] = pending  # still in the transaction, not committed
            raise
        if pending:
            from portal.jobs.services import after_commit

            after_commit(self, pending)

    def rollback(self) -> None:
        self.info.pop("portal_jobs_pending", None)
        super().rollback()

    def close(self) -> None:
        self.info.pop("portal_jobs_pending", None)
        super().close()


db = SQLAlchemy(model_class=Base, session_options={"class_": PortalSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
