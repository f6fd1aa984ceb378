"""Wallet and subscription pages (R11, R17–R20): thin views over billing.services.

Decisions where SPEC is silent:
- The charge form carries a fresh Idempotency key in a hidden field on every render, so
  a double submit of one form charges once (R17); the second submit says so. When the
  gateway is still busy with the key or failed, the page keeps the same key, so pressing
  Pay again resolves that charge instead of starting another; after a decline (final for
  a key) the form gets a new key, so the customer may try again.
- A bad ``?amount=`` (text, "²", "①") is ignored: the field is left empty.
- ``/wallet/?amount=N&next=/path/`` fills in the amount, and after the charge the browser
  goes back to ``next`` (the book or the subscription offer that was short of money, R11).
- Buying a subscription takes two steps: the offer page shows the price, the pro-rata
  refund and the new end (R18) before anything is paid. The offer carries the
  subscription it was made for; if that changed before "Pay" (a double submit, another
  tab), nothing is bought and the new offer is shown instead.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from accounts.forms import AutoRenewForm
from accounts.models import TIER_RULES, Customer, Tier
from accounts.pages import customer_page
from accounts.services import set_auto_renew
from core.exceptions import DomainError
from core.formatting import local_time, number, toman
from core.pages import safe_next

from .exceptions import ChargeInProgress, InsufficientFunds, InvalidAmount, OfferChanged, PaymentGatewayUnavailable
from .forms import ChargeForm, ChargePrefillForm, SubscriptionChoiceForm
from .models import WalletTransaction
from .rules import MIN_CHARGE, suggested_charge
from .services import buy_subscription, charge_wallet, offer_state, quote_subscription

LEDGER_PER_PAGE = 20


def wallet_charge_url(shortfall: int, back_to: str | None = None) -> str:
    """The wallet page with the missing amount filled in (R11), never below the minimum charge. Implements R11."""
    query = {"amount": suggested_charge(shortfall)}
    if back_to:
        query["next"] = back_to
    return f"{reverse('wallet')}?{urlencode(query)}"


def _render_wallet(
    request: HttpRequest, customer: Customer, form: ChargeForm, *, status: int = 200, idempotency_key: str = ""
) -> HttpResponse:
    """The wallet page; `idempotency_key` keeps the submitted key for a charge still unresolved."""
    ledger = Paginator(
        WalletTransaction.objects.filter(customer=customer).order_by("-created_at", "-id"), LEDGER_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/wallet.html",
        {
            "customer": customer,
            "form": form,
            "idempotency_key": idempotency_key or ChargeForm.new_key(),
            "next": form["next"].value() or "",
            "ledger": ledger,
            "min_charge": MIN_CHARGE,
        },
        status=status,
    )


@customer_page()
def wallet_view(request: HttpRequest) -> HttpResponse:
    """Balance, the charge form and the ledger, newest first."""
    amount = ChargePrefillForm(request.GET).amount_or_none()
    next_url = safe_next(request, request.GET.get("next"), default="")
    form = ChargeForm(initial={"amount": amount, "next": next_url})
    return _render_wallet(request, request.user.customer, form)


@require_POST
@customer_page(back_to="wallet")
def wallet_charge_view(request: HttpRequest) -> HttpResponse:
    """Charge the wallet through the payment gateway (R17)."""
    customer = request.user.customer
    form = ChargeForm(request.POST)
    status = 400
    keep_key = ""
    if form.is_valid():
        try:
            result = charge_wallet(
                customer=customer,
                amount=form.cleaned_data["amount"],
                idempotency_key=form.cleaned_data["idempotency_key"] or None,
            )
        except InvalidAmount as error:
            form.add_error("amount", error.message)
            status = error.status
        except ChargeInProgress as error:
            form.add_error(None, gettext("Your payment is still being processed. Press Pay again in a few seconds."))
            status, keep_key = error.status, form.cleaned_data["idempotency_key"]
        except PaymentGatewayUnavailable as error:
            form.add_error(
                None, gettext("The payment gateway did not answer. Press Pay again: you will be charged at most once.")
            )
            status, keep_key = error.status, error.idempotency_key
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            amount = toman(result.transaction.amount)
            if result.created:
                messages.success(
                    request,
                    gettext("Charged %(amount)s. Your balance is %(balance)s.")
                    % {"amount": amount, "balance": toman(customer.balance)},
                )
            else:
                messages.info(
                    request,
                    gettext("This charge of %(amount)s was already made; nothing more was charged.")
                    % {"amount": amount},
                )
            return redirect(safe_next(request, form.cleaned_data["next"], default=reverse("wallet")))
    customer.refresh_from_db()
    return _render_wallet(request, customer, form, status=status, idempotency_key=keep_key)


def _offer_heading(action: str, tier_label: str, months: int) -> str:
    """ "Buy Plus for 3 months", "Renew …", "Upgrade to …": the offer page's heading (R18)."""
    if action == "renew":
        text = ngettext("Renew %(tier)s for %(months)s month", "Renew %(tier)s for %(months)s months", months)
    elif action == "upgrade":
        text = ngettext("Upgrade to %(tier)s for %(months)s month", "Upgrade to %(tier)s for %(months)s months", months)
    else:
        text = ngettext("Buy %(tier)s for %(months)s month", "Buy %(tier)s for %(months)s months", months)
    return text % {"tier": tier_label, "months": number(months)}


def _render_subscription(
    request: HttpRequest, customer: Customer, choice_form: SubscriptionChoiceForm | None = None, *, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    tier_now = customer.tier_at(now)
    if choice_form is None:
        choice_form = SubscriptionChoiceForm(initial={"tier": tier_now if tier_now != Tier.FREE else Tier.PLUS})
    plans = [
        {"tier": tier, "name": Tier(tier).label, "rule": rule, "current": tier == tier_now}
        for tier, rule in TIER_RULES.items()
    ]
    return render(
        request,
        "billing/subscription.html",
        {
            "customer": customer,
            "tier_now": tier_now,
            "tier_now_label": Tier(tier_now).label,
            "ends_at": customer.subscription_ends_at if tier_now != Tier.FREE else None,
            "plans": plans,
            "choice_form": choice_form,
            "renew_form": AutoRenewForm(initial={"auto_renew": customer.auto_renew}),
        },
        status=status,
    )


@customer_page()
def subscription_view(request: HttpRequest) -> HttpResponse:
    """The tier in force and its end, auto-renew, and the choice of what to buy (R5, R18, R20)."""
    return _render_subscription(request, request.user.customer)


@customer_page()
def subscription_confirm_view(request: HttpRequest) -> HttpResponse:
    """The offer: price, pro-rata refund and new end, before anything is paid (R18)."""
    customer = request.user.customer
    form = SubscriptionChoiceForm(request.GET)
    if not form.is_valid():
        return _render_subscription(request, customer, form, status=400)
    tier, months = form.cleaned_data["tier"], form.cleaned_data["months"]
    now = timezone.now()
    try:
        offer = quote_subscription(customer=customer, tier=tier, months=months, now=now)
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_subscription(request, customer, form, status=error.status)
    tier_now = customer.tier_at(now)
    if tier_now == tier:
        action = "renew"
    elif tier_now == Tier.PLUS and tier == Tier.PREMIUM:
        action = "upgrade"
    else:
        action = "buy"
    to_pay = offer.charged - offer.refunded
    shortfall = max(0, to_pay - customer.balance)
    return render(
        request,
        "billing/subscription_confirm.html",
        {
            "customer": customer,
            "offer": offer,
            "months": months,
            "tier_label": Tier(tier).label,
            "tier_now_label": Tier(tier_now).label,
            "action": action,
            "heading": _offer_heading(action, Tier(tier).label, months),
            "to_pay": to_pay,
            "net_credit": max(0, -to_pay),  # a long Plus left can refund more than Premium costs
            "balance_after": customer.balance - to_pay,
            "shortfall": shortfall,
            "charge_url": wallet_charge_url(shortfall, request.get_full_path()) if shortfall else None,
            "state": offer_state(customer),
        },
    )


@require_POST
@customer_page(back_to="subscription")
def subscription_buy_view(request: HttpRequest) -> HttpResponse:
    """Pay for the offer shown (R18); a short wallet goes to the charge page (R11)."""
    customer = request.user.customer
    form = SubscriptionChoiceForm(request.POST)
    if not form.is_valid():
        return _render_subscription(request, customer, form, status=400)
    tier, months = form.cleaned_data["tier"], form.cleaned_data["months"]
    offer_url = f"{reverse('subscription-confirm')}?{urlencode({'tier': tier, 'months': months})}"
    try:
        purchase = buy_subscription(customer=customer, tier=tier, months=months, offer=request.POST.get("state", ""))
    except OfferChanged:
        messages.warning(request, gettext("Your subscription changed since this offer was made. Here is the new one."))
        return redirect(offer_url)
    except InsufficientFunds as error:
        messages.error(
            request,
            gettext("%(problem)s Charge at least %(amount)s.")
            % {"problem": error.message, "amount": toman(error.suggested_charge)},
        )
        return redirect(wallet_charge_url(error.shortfall, offer_url))
    except DomainError as error:
        form.add_error(None, error.message)
        customer.refresh_from_db()
        return _render_subscription(request, customer, form, status=error.status)
    facts = {
        "tier": Tier(purchase.tier).label,
        "end": local_time(purchase.ends_at),
        "paid": toman(purchase.charged),
        "refund": toman(purchase.refunded),
    }
    if purchase.refunded:
        text = gettext(
            "You are on %(tier)s until %(end)s. Paid %(paid)s; "
            "%(refund)s for the unused Plus days went back to your wallet."
        )
    else:
        text = gettext("You are on %(tier)s until %(end)s. Paid %(paid)s.")
    messages.success(request, text % facts)
    return redirect("subscription")


@require_POST
@customer_page(back_to="subscription")
def auto_renew_view(request: HttpRequest) -> HttpResponse:
    """Turn auto-renew on or off (R20)."""
    form = AutoRenewForm(request.POST)
    form.is_valid()  # a checkbox: absent means off, so it is always valid
    customer = set_auto_renew(customer=request.user.customer, enabled=form.cleaned_data["auto_renew"])
    messages.success(request, gettext("Auto-renew is on.") if customer.auto_renew else gettext("Auto-renew is off."))
    return redirect(safe_next(request, request.POST.get("next"), default=reverse("subscription")))
