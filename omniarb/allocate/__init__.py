"""Allocate: how much to trade and where the capital comes from. Every trade borrows its input
for the length of its transaction — from the route's own first V2 pair when it can (free), else
from the cheapest flash lender that holds enough (`FlashLoanAllocator`) — so no inventory is
needed; the floor handed to the executor contract (`min_profit`) makes a trade revert rather
than lose money."""

from omniarb.allocate.flash_loans import BalanceView, FlashLoanAllocator, LoanChoice
from omniarb.allocate.lenders import Lender, LenderBook, flash_fee

__all__ = [
    "BalanceView",
    "FlashLoanAllocator",
    "Lender",
    "LenderBook",
    "LoanChoice",
    "flash_fee",
]
