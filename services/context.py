"""What every use case is handed: the process's settings and clock, and, loaded once when
first asked for, the plan and the notification configuration."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Callable

from rrf.models.db import checked_url
from rrf.notifications.config import NotifyConfig, load_notify_config
from rrf.rules import LoadedPlan, load_plan
from rrf.rules.dates import riga_day
from rrf.settings import Settings

Clock = Callable[[], datetime]


@dataclass
class Context:
    settings: Settings
    clock: Clock

    @cached_property
    def loaded(self) -> LoadedPlan:
        return load_plan(self.settings.plan_path)

    @cached_property
    def notify(self) -> NotifyConfig:
        return load_notify_config(self.settings.notify_path)

    @cached_property
    def url(self) -> str:
        """The database URL of the settings, once checked (models.db.checked_url: BadDatabaseUrl
        for a URL that is not one, a database in memory, a missing folder or a file that is not a
        SQLite database)."""
        return checked_url(self.settings.db_url)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in Riga, where every deadline is counted."""
        return riga_day(self.clock())
