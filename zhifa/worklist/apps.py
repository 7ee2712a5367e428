from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "zhifa.worklist"
    label = "worklist"
    verbose_name = "待办"

    def ready(self):
        # The apps below cannot import the to-do list, so it registers their providers (core.todo); an app above
        # it (supervision's alerts, issue 20) registers its own in its ready().
        from zhifa.cases import todo as cases_todo
        from zhifa.core.todo import register_filter, register_provider
        from zhifa.org import todo as org_todo
        from zhifa.publicity import todo as publicity_todo
        from zhifa.records import todo as records_todo
        from zhifa.review import todo as review_todo

        register_provider("cases", cases_todo.todo_items_for)
        register_provider("review", review_todo.todo_items_for, review_todo.overdue_items_for)
        register_provider("publicity", publicity_todo.todo_items_for, publicity_todo.overdue_items_for)
        register_provider("records", records_todo.todo_items_for, records_todo.overdue_items_for)
        register_provider("org", org_todo.todo_items_for)
        register_filter("review", review_todo.decisions_held_back)
