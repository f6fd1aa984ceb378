"""JWT authentication that honours an admin's revocation (R22, R24)."""

from django.db.models import Exists, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from core.compiled import CompiledQuery, Param

from .languages import activate_for_api
from .models import RefreshFamily, User

REVOCATION_CLAIM = "rev"
FAMILY_CLAIM = "fam"  # the RefreshFamily (one login) a token descends from; access tokens copy it


def _user_with_profiles(pk: int) -> QuerySet[User]:
    return User.objects.select_related("customer", "author").filter(pk=pk)[:1]


def _user_with_profiles_in_login(pk: int, family: str) -> QuerySet[User]:
    ended = RefreshFamily.objects.filter(pk=family, ended_at__isnull=False)
    return _user_with_profiles(pk).annotate(login_ended=Exists(ended))


# The hottest query: every authenticated request runs one of these. Compiled once per
# thread (core.compiled): the ORM's build and compile cost more than the rest of the
# lookup, the Exists() subquery alone 0.7 ms of CPU.
USER_QUERY = CompiledQuery(_user_with_profiles, pk=Param("pk", 0))
USER_IN_LOGIN_QUERY = CompiledQuery(_user_with_profiles_in_login, pk=Param("pk", 0), family=Param("family", ""))


def revocation_stamp(user: User) -> int:
    """The user's last revocation in microseconds, 0 if never: stamped into every token."""
    cutoff = user.tokens_revoked_at
    return int(cutoff.timestamp() * 1_000_000) if cutoff else 0


def issued_before_cutoff(user: User, token) -> bool:
    """True when `token` was issued before the user's last revocation (R24).

    Each token carries the revocation stamp in force when it was issued (rotation keeps
    it), so the check is exact to the instant; `iat` has whole seconds only, and a
    token issued in the second after a revocation would wrongly die with it.

    Implements R24.
    """
    return int(token.get(REVOCATION_CLAIM, 0)) != revocation_stamp(user)


class RevocableJWTAuthentication(JWTAuthentication):
    """Refuse access tokens issued before the user's cut-off or of an ended login; one query.

    The user is read with its customer or author profile in the same query, since
    nearly every authenticated endpoint needs the profile next (make bench), and with
    whether the token's refresh family has ended (a logout, or a replayed refresh token:
    issue 14), so the access tokens of that login die with it, not 5 minutes later.

    Implements R22.
    """

    def authenticate(self, request):
        """Authenticate, then speak the user's language if the request named none (R40)."""
        result = super().authenticate(request)
        if result is not None:
            activate_for_api(request, result[0])
        return result

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as error:
            raise InvalidToken(_("Token contained no recognizable user identification")) from error
        try:
            user_id = int(user_id)
        except (TypeError, ValueError) as error:
            raise InvalidToken(_("Token contained no recognizable user identification")) from error
        family = validated_token.get(FAMILY_CLAIM)
        user = USER_IN_LOGIN_QUERY.first(pk=user_id, family=str(family)) if family else USER_QUERY.first(pk=user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if issued_before_cutoff(user, validated_token) or getattr(user, "login_ended", False):
            raise AuthenticationFailed(_("This token was revoked."), code="token_revoked")
        return user


class RevocableJWTScheme(SimpleJWTScheme):
    """Tell drf-spectacular that our subclass is plain Bearer JWT."""

    target_class = "accounts.authentication.RevocableJWTAuthentication"
    name = "jwtAuth"
