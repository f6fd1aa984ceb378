"""Usernames and e-mail addresses unique regardless of case, in one script (issue 14, item 5).

Before the unique indexes on ``lower(username)`` and ``lower(email)`` are made, a check
lists the users that differ only in letter case, and stops the migration if there are
any: which of two accounts keeps the name, and what the other one is called from now
on, is a person's decision (the admin site renames a user), not a migration's. Nothing
is renamed or merged here. The indexes compare as the database's ``lower()`` does: all
of Unicode on PostgreSQL with a UTF-8 locale, ASCII letters only on SQLite (the
embedded default), where the model's check (``User.validate_constraints``) is as strict.

Stored values are not rewritten: every path that made users already NFKC-normalised
usernames (Django's ``AbstractBaseUser.clean`` and ``create_user``), and new input is
normalised from now on. The username field gains the one-script validator, which is no
change to the database.
"""

import django.contrib.auth.validators
import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower

import accounts.validators


def refuse_case_duplicates(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    users = User.objects.using(schema_editor.connection.alias)
    problems = []
    for field in ("username", "email"):
        folded = (
            users.annotate(folded=Lower(field))
            .values("folded")
            .annotate(count=Count("id"))
            .filter(count__gt=1)
            .values_list("folded", flat=True)
        )
        for value in folded:
            clashing = users.annotate(folded=Lower(field)).filter(folded=value).order_by("id")
            listed = ", ".join(f"{getattr(user, field)!r} (user id {user.pk})" for user in clashing)
            problems.append(f"  {field}: {listed}")
    if problems:
        raise RuntimeError(
            "Usernames and e-mail addresses must be unique regardless of case (issue 14), but these users "
            "differ only in case:\n" + "\n".join(problems) + "\nRename or change one of each group (the admin "
            "site does both), then run migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_refresh_family"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(
                error_messages={"unique": "A user with that username already exists."},
                help_text="150 characters or fewer, in one script: letters, digits and @ . + - _ only.",
                max_length=150,
                unique=True,
                validators=[
                    django.contrib.auth.validators.UnicodeUsernameValidator(),
                    accounts.validators.validate_one_script,
                ],
                verbose_name="username",
            ),
        ),
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="user_username_unique_in_any_case",
                violation_error_code="unique",
                violation_error_message="A user with that username already exists.",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                name="user_email_unique_in_any_case",
                violation_error_code="unique",
                violation_error_message="User with this Email address already exists.",
            ),
        ),
    ]
