"""Forms of the account pages: login, code, signup and profile (R21, R23, R39)."""

import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .channels import Channel
from .models import City, Role, User

SEPARATORS = re.compile(r"[\s\-().]")


class LoginForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Code"),
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": gettext_lazy("The code is 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


PHONE_EXAMPLE = "+989121234567"


def _phone_help(text) -> SafeString:
    example = format_html('<span dir="ltr">{}</span>', PHONE_EXAMPLE)  # typed as is, left to right (R40)
    return mark_safe(conditional_escape(str(text)) % {"example": example})


def with_phone_example(text):
    """A help text naming the example phone, which keeps its Latin digits in a left-to-right span."""
    return lazy(_phone_help, SafeString)(text)


def strip_separators(value: str) -> str:
    """Drop the spaces, hyphens, dots and brackets people type inside phone and account numbers."""
    return SEPARATORS.sub("", value or "")


class SignupForm(forms.ModelForm):
    """What register_user needs, checked up front so that every field's error shows at once.

    register_user checks it all again (it is the rule); the form only gathers the errors.
    """

    role = forms.ChoiceField(
        label=gettext_lazy("I am signing up as"),
        choices=[(Role.CUSTOMER, gettext_lazy("A reader (customer)")), (Role.AUTHOR, gettext_lazy("An author"))],
        initial=Role.CUSTOMER,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=24,
        help_text=with_phone_example(
            gettext_lazy("International form, such as %(example)s. Your login codes are sent here.")
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=gettext_lazy("Password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ["role", "username", "email", "phone"]
        widgets = {
            "username": forms.TextInput(attrs={"autocomplete": "username"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def clean_phone(self) -> str:
        return strip_separators(self.cleaned_data["phone"])

    def clean(self) -> dict:
        data = super().clean()
        password = data.get("password")
        if password and data.get("password_again") and password != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        elif password:
            candidate = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return data

    def registration(self) -> dict:
        """The arguments of accounts.services.register_user."""
        return {name: self.cleaned_data[name] for name in ("username", "email", "phone", "password", "role")}


class ContactForm(forms.Form):
    """A user's own names (accounts.services.update_user); the phone and e-mail: ContactChangeForm."""

    first_name = forms.CharField(
        label=gettext_lazy("First name"), max_length=150, required=False, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"), max_length=150, required=False, widget=forms.TextInput(attrs={"dir": "auto"})
    )


class ContactChangeForm(forms.Form):
    """A new phone or e-mail and the current password (accounts.contact_change.start_contact_change)."""

    phone = forms.CharField(
        label=gettext_lazy("New phone number"),
        max_length=24,
        required=False,
        help_text=with_phone_example(
            gettext_lazy("International form, such as %(example)s. We text a code to it; login codes go there after.")
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("New e-mail address"),
        max_length=254,
        required=False,
        help_text=gettext_lazy("We text a code to your current phone to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Your current password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_phone(self) -> str:
        return strip_separators(self.cleaned_data["phone"])

    def clean(self) -> dict:
        data = super().clean()
        given = bool(data.get("phone")) + bool(data.get("email"))
        if given != 1 and not (self.has_error("phone") or self.has_error("email")):
            raise ValidationError(_("Give either a new phone number or a new e-mail address."), code="one_contact")
        return data

    def change(self) -> dict:
        """The arguments of accounts.contact_change.start_contact_change, but the user."""
        new = (
            {"phone": self.cleaned_data["phone"]}
            if self.cleaned_data["phone"]
            else {"email": self.cleaned_data["email"]}
        )
        return {"password": self.cleaned_data["password"], **new}


class PasswordChangeForm(forms.Form):
    """The current password and a new one twice (accounts.services.change_password)."""

    old_password = forms.CharField(
        label=gettext_lazy("Your current password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=gettext_lazy("New password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=gettext_lazy("New password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("new_password") and data.get("new_password_again") not in (None, data["new_password"]):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data

    def change(self) -> dict:
        """The arguments of accounts.services.change_password, but the user."""
        return {name: self.cleaned_data[name] for name in ("old_password", "new_password")}


class AuthorProfileForm(forms.Form):
    """An author's own profile (accounts.services.update_author)."""

    city = forms.ModelChoiceField(
        label=gettext_lazy("City"), queryset=City.objects.order_by("name"), required=False, empty_label="—"
    )
    goodreads_link = forms.URLField(
        label=gettext_lazy("Goodreads link"),
        max_length=200,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(),
    )
    bank_account_number = forms.CharField(
        label=gettext_lazy("Bank account number"),
        max_length=34,
        required=False,
        help_text=gettext_lazy("8 to 34 capital letters and digits, such as an IBAN. Only you and the admins see it."),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    bio = forms.CharField(
        label=gettext_lazy("Bio"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
    )

    def clean_bank_account_number(self) -> str:
        return strip_separators(self.cleaned_data["bank_account_number"]).upper()


class AutoRenewForm(forms.Form):
    """Auto-renew of a customer's subscription (R20)."""

    auto_renew = forms.BooleanField(
        label=gettext_lazy("Renew my subscription automatically"),
        required=False,
        help_text=gettext_lazy(
            "When it ends, one more month is paid from the wallet if it can pay; else you go back to Free."
        ),
    )


class NotifyByForm(forms.Form):
    """The channels notifications go by (R39; accounts.channels.set_notify_by): at least one."""

    notify_by = forms.MultipleChoiceField(
        label=gettext_lazy("Notify me by"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Every notification is also listed on your notifications page."),
        error_messages={"required": gettext_lazy("Choose at least one way to be notified.")},
    )
