from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "inquiries"
    verbose_name = "Reader questions"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

        from articles.models import Article, Topic
        from inquiries import summary
        from inquiries.demand import invalidate
        from inquiries.models import Inquiry

        # Every write that can change a dashboard figure forgets the cached dashboard.
        # Queryset updates send no signal: InquiryQuerySet.update and add_topic call it too.
        for model in (Inquiry, Topic, Article):
            post_save.connect(invalidate, sender=model, dispatch_uid=f"demand-save-{model}")
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"demand-delete-{model}")
        for through in (Inquiry.topics.through, Article.topics.through):
            m2m_changed.connect(invalidate, sender=through, dispatch_uid=f"demand-m2m-{through}")
        # The demand summary follows every write to inquiries and their topic links
        # (inquiries/summary.py); queryset updates and add_topic recount themselves.
        post_save.connect(summary.inquiry_saved, sender=Inquiry, dispatch_uid="summary-save")
        post_delete.connect(summary.inquiry_deleted, sender=Inquiry, dispatch_uid="summary-delete")
        m2m_changed.connect(
            summary.topics_changed, sender=Inquiry.topics.through, dispatch_uid="summary-topics"
        )
        pre_delete.connect(summary.topic_deleting, sender=Topic, dispatch_uid="summary-topic")
