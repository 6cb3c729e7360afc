"""The inquiry list's date drill-down, without reading every question to list the years.

Django's `{% date_hierarchy %}` lists the years (or months, or days) with
`SELECT DISTINCT date_trunc(...)` over the whole filtered list: at a million questions that
reads every row (over a second). Here the same links come from index probes on
`received_at`: MIN and MAX give the span, then one `EXISTS` per year, month or day in it, so
an empty period still gets no link. Django builds the links and the markup as usual.
"""

import datetime

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db.models import Max, Min
from django.utils import timezone

from inquiries.models import plausible_dates

register = template.Library()


def _start(moment, kind):
    day = moment.date()
    if kind == "year":
        day = day.replace(month=1, day=1)
    elif kind == "month":
        day = day.replace(day=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _next(start, kind):
    day = start.date()
    if kind == "year":
        day = day.replace(year=day.year + 1)
    elif kind == "month":
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    else:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class _ProbedQuerySet:
    """The two queryset calls Django's date_hierarchy makes, answered with index probes."""

    def __init__(self, queryset):
        self._queryset = queryset

    def aggregate(self, **aggregates):
        return self._queryset.aggregate(**aggregates)

    def datetimes(self, field_name, kind):
        span = self._queryset.aggregate(first=Min(field_name), last=Max(field_name))
        if span["first"] is None:
            return []
        # Rows saved before dates were checked on input may lie anywhere from year 1 to 9999:
        # links only for the plausible span (one probe per year in it, nothing past year 9999).
        earliest, latest = plausible_dates()
        first = timezone.localtime(max(span["first"], earliest))
        last = timezone.localtime(min(span["last"], latest))
        periods = []
        start = _start(first, kind)
        while start <= last:
            end = _next(start, kind)
            within = {f"{field_name}__gte": start, f"{field_name}__lt": end}
            if self._queryset.filter(**within).exists():
                periods.append(start)
            start = end
        return periods


class _ProbedChangeList:
    def __init__(self, changelist):
        self._changelist = changelist
        self.queryset = _ProbedQuerySet(changelist.queryset)

    def __getattr__(self, name):
        return getattr(self._changelist, name)


@register.inclusion_tag("admin/date_hierarchy.html")
def inquiry_date_hierarchy(cl):
    """Django's date drill-down for a changelist on a DateTimeField, without full scans."""
    return date_hierarchy(_ProbedChangeList(cl))
