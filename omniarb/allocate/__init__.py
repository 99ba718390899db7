"""Allocate: how much to trade and where the capital comes from. A trade borrows its input for
the length of its transaction — from the route's own first V2 pair when it can (free), else
from the cheapest flash lender that holds enough (`FlashLoanAllocator`) — or, when that keeps
more, starts from the executor's own inventory (`Inventory`: no fee, less gas, within the caps
of `InventoryCaps`, reserved until the trade settles); the floor handed to the executor
contract (`min_profit`) makes a trade revert rather than lose money."""

from omniarb.allocate.flash_loans import BalanceView, FlashLoanAllocator, LoanChoice
from omniarb.allocate.inventory import Inventory, InventoryCaps, Room
from omniarb.allocate.lenders import Lender, LenderBook, flash_fee

__all__ = [
    "BalanceView",
    "FlashLoanAllocator",
    "Inventory",
    "InventoryCaps",
    "Lender",
    "LenderBook",
    "LoanChoice",
    "Room",
    "flash_fee",
]
