"""The wallet's charge limits (R17): what a charge may be, and so what a top-up suggests (R11)."""

MIN_CHARGE = 1_000
MAX_CHARGE = 100_000_000


def suggested_charge(shortfall: int) -> int:
    """What to charge to cover `shortfall` (R11): never below the minimum charge (R17)."""
    return max(shortfall, MIN_CHARGE)
