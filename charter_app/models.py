"""Imports every domain's models so the metadata (and Alembic) sees the whole schema."""

from charter_app.accounts.models import Invitation, Membership, User
from charter_app.audit.models import AuditEntry
from charter_app.badges.models import BadgeAward, BadgeRecheck
from charter_app.contact.models import ContactMessage, ContactReply, ContactThrottle
from charter_app.directory.models import ContentVersion
from charter_app.events.models import Event, EventBuyer, Partner
from charter_app.hub.case_study_models import (
    CaseStudy,
    CaseStudyImage,
    CaseStudyMeasure,
    CaseStudyTheme,
    CaseStudyVideo,
)
from charter_app.hub.models import NewsPost, Page, PageVersion
from charter_app.monitoring.models import JobRun
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.declaration_models import CarbonReductionPlan, QualityMark
from charter_app.organisations.models import Organisation, StatusChange
from charter_app.pledges.models import Measure, Pledge, PledgePeriod, ProxyValue
from charter_app.reporting.catalogue_models import CatalogueImport
from charter_app.reporting.models import (
    AnnualUpdate,
    CatalogueChange,
    CountedTotal,
    EvidenceFile,
    QuarterlyReport,
    ReportCheck,
    ReportEntry,
    ReportRevision,
)
from charter_app.reports.local_needs_models import (
    AreaBoundary,
    DeprivationArea,
    LocalNeedsImport,
    PostcodeArea,
)
from charter_app.reports.models import CollectiveReport
from charter_app.reports.statement_models import SocialValueStatement

__all__ = [
    "CountedTotal",
    "AuditEntry",
    "JobRun",
    "AreaBoundary",
    "BadgeAward",
    "BadgeRecheck",
    "CaseStudy",
    "CaseStudyImage",
    "CaseStudyMeasure",
    "CaseStudyTheme",
    "CaseStudyVideo",
    "CarbonReductionPlan",
    "QualityMark",
    "SocialValueStatement",
    "AnnualUpdate",
    "CatalogueChange",
    "CatalogueImport",
    "CollectiveReport",
    "ContactMessage",
    "ContactReply",
    "ContactThrottle",
    "DeprivationArea",
    "LocalNeedsImport",
    "PostcodeArea",
    "EvidenceFile",
    "QuarterlyReport",
    "ReportCheck",
    "ReportEntry",
    "ReportRevision",
    "ContentVersion",
    "Event",
    "EventBuyer",
    "Invitation",
    "Measure",
    "NewsPost",
    "Page",
    "PageVersion",
    "Membership",
    "Organisation",
    "Partner",
    "OutboxMessage",
    "Pledge",
    "PledgePeriod",
    "ProxyValue",
    "StatusChange",
    "User",
]
