"""What every use case is handed: the process's settings and clock, and, loaded once when
first asked for, the plan and the notification configuration.

What each of those needs is imported when it is first asked for (the plan's models, the
notification configuration, the database URL's checks), so a command pays only for what it
uses: `rrf validate` never loads SQLAlchemy, `rrf status` never the notification configuration.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Callable

from rrf.rules.dates import riga_day

if TYPE_CHECKING:
    from rrf.notifications.config import NotifyConfig
    from rrf.rules import LoadedPlan
    from rrf.settings import Settings

Clock = Callable[[], datetime]


@dataclass
class Context:
    settings: "Settings"
    clock: Clock

    @cached_property
    def loaded(self) -> "LoadedPlan":
        from rrf.rules import load_plan

        return load_plan(self.settings.plan_path)

    @cached_property
    def notify(self) -> "NotifyConfig":
        from rrf.notifications.config import load_notify_config

        return load_notify_config(self.settings.notify_path)

    @cached_property
    def url(self) -> str:
        """The database URL of the settings, once checked (models.db.checked_url: BadDatabaseUrl
        for a URL that is not one, a database in memory, a missing folder or a file that is not a
        SQLite database)."""
        from rrf.models.db import checked_url

        return checked_url(self.settings.db_url)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in Riga, where every deadline is counted."""
        return riga_day(self.clock())
