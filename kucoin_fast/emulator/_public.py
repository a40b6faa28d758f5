"""The ``data`` of the emulator's public REST endpoints and of the account lookups that
market loaders ask for: spot symbols, currencies, tickers, margin pairs, futures
contracts, built from the engines' specs and prices (docs/emulator.md lists the
choices: no fees, no funding, static 24 h figures)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from .._protocol.specs import ContractSpec, SpotSymbolSpec
from ._events import amount_text

#: 2019-01-01 UTC, the listing date the emulator gives every pair and contract.
LISTED_MS: Final = 1_546_300_800_000
#: Funding every 8 h (KuCoin's usual granularity).
FUNDING_MS: Final = 8 * 3600 * 1000
MAX_LEVERAGE: Final = 100
_CURRENCY_PRECISION: Final = 8


def _t(value: Decimal) -> str:
    return amount_text(value)


def spot_symbol(spec: SpotSymbolSpec) -> dict[str, Any]:
    """One item of ``GET /api/v2/symbols``."""
    return {"symbol": spec.symbol, "name": spec.symbol, "baseCurrency": spec.base_currency,
            "quoteCurrency": spec.quote_currency, "feeCurrency": spec.quote_currency,
            "market": "USDS", "baseMinSize": _t(spec.base_min_size),
            "quoteMinSize": _t(spec.quote_min_size), "baseMaxSize": _t(spec.base_max_size),
            "quoteMaxSize": _t(spec.quote_max_size), "baseIncrement": _t(spec.base_increment),
            "quoteIncrement": _t(spec.quote_increment),
            "priceIncrement": _t(spec.price_increment),
            "priceLimitRate": _t(spec.price_limit_rate), "minFunds": _t(spec.min_funds),
            "isMarginEnabled": spec.is_margin_enabled, "enableTrading": True,
            "feeCategory": 1, "makerFeeCoefficient": "1.00", "takerFeeCoefficient": "1.00",
            "st": False}


def currencies(symbols: dict[str, SpotSymbolSpec],
               contracts: dict[str, ContractSpec]) -> list[dict[str, Any]]:
    """``GET /api/v3/currencies``: every currency a pair or a contract names."""
    margin: set[str] = set()
    names: set[str] = set()
    for s in symbols.values():
        names.update((s.base_currency, s.quote_currency))
        if s.is_margin_enabled:
            margin.update((s.base_currency, s.quote_currency))
    for c in contracts.values():
        names.update(contract_currencies(c))
    return [currency(name, name in margin) for name in sorted(names)]


def currency(name: str, margin: bool) -> dict[str, Any]:
    """One item of ``GET /api/v3/currencies`` (one chain, deposits and withdrawals on)."""
    return {"currency": name, "name": name, "fullName": name,
            "precision": _CURRENCY_PRECISION, "confirms": None, "contractAddress": None,
            "isMarginEnabled": margin, "isDebitEnabled": margin,
            "chains": [{"chainName": name, "chainId": name.lower(),
                        "withdrawalMinSize": "0", "depositMinSize": "0",
                        "withdrawFeeRate": "0", "withdrawalMinFee": "0",
                        "isWithdrawEnabled": True, "isDepositEnabled": True,
                        "confirms": 1, "preConfirms": 1, "contractAddress": "",
                        "withdrawPrecision": _CURRENCY_PRECISION, "maxWithdraw": None,
                        "maxDeposit": None, "needTag": False}]}


def ticker(spec: SpotSymbolSpec, price: Decimal) -> dict[str, Any]:
    """One item of ``GET /api/v1/market/allTickers``: the spot price on both sides."""
    p = _t(price)
    return {"symbol": spec.symbol, "symbolName": spec.symbol, "buy": p, "bestBidSize": "0",
            "sell": p, "bestAskSize": "0", "changeRate": "0", "changePrice": "0",
            "high": p, "low": p, "vol": "0", "volValue": "0", "last": p, "averagePrice": p,
            "takerFeeRate": "0", "makerFeeRate": "0", "takerCoefficient": "1",
            "makerCoefficient": "1"}


def cross_margin_symbol(spec: SpotSymbolSpec) -> dict[str, Any]:
    """One item of ``GET /api/v3/margin/symbols``."""
    keys = ("symbol", "name", "enableTrading", "market", "baseCurrency", "quoteCurrency",
            "baseIncrement", "baseMinSize", "quoteIncrement", "quoteMinSize", "baseMaxSize",
            "quoteMaxSize", "priceIncrement", "feeCurrency", "priceLimitRate", "minFunds")
    item = spot_symbol(spec)
    return {k: item[k] for k in keys}


def isolated_symbol(spec: SpotSymbolSpec) -> dict[str, Any]:
    """One item of ``GET /api/v1/isolated/symbols``."""
    return {"symbol": spec.symbol, "symbolName": spec.symbol,
            "baseCurrency": spec.base_currency, "quoteCurrency": spec.quote_currency,
            "maxLeverage": 10, "flDebtRatio": "0.97", "tradeEnable": True,
            "autoRenewMaxDebtRatio": "0.96", "baseBorrowEnable": True,
            "quoteBorrowEnable": True, "baseTransferInEnable": True,
            "quoteTransferInEnable": True, "baseBorrowCoefficient": "1",
            "quoteBorrowCoefficient": "1"}


def contract_currencies(c: ContractSpec) -> tuple[str, str, str]:
    """(base, quote, settle) of a contract, from its symbol: ``XBTUSDTM`` is XBT/USDT
    settled in USDT, ``XBTUSDM`` XBT/USD settled in XBT."""
    sym = c.symbol
    for quote in ("USDT", "USDC", "USD"):
        if sym.endswith(quote + "M") and len(sym) > len(quote) + 1:
            return sym[:-len(quote) - 1], quote, c.settle_currency
    return sym, c.settle_currency, c.settle_currency


def contract(c: ContractSpec, mark: Decimal, now_ms: int) -> dict[str, Any]:
    """One item of ``GET /api/v1/contracts/active`` (and ``/contracts/{symbol}``): the
    contract's specs, its mark price as every price, no fees and zero funding."""
    base, quote, settle = contract_currencies(c)
    m = float(mark)
    next_funding = FUNDING_MS - now_ms % FUNDING_MS
    return {"symbol": c.symbol, "rootSymbol": settle, "type": "FFWCSX",
            "firstOpenDate": LISTED_MS, "expireDate": None, "settleDate": None,
            "baseCurrency": base, "quoteCurrency": quote, "settleCurrency": settle,
            "maxOrderQty": c.max_order_qty, "maxPrice": float(c.max_price),
            "lotSize": c.lot_size, "tickSize": float(c.tick_size),
            "indexPriceTickSize": float(c.tick_size), "multiplier": float(c.multiplier),
            "initialMargin": 1 / MAX_LEVERAGE, "maintainMargin": 1 / (2 * MAX_LEVERAGE),
            "maxRiskLimit": 1_000_000, "minRiskLimit": 1_000_000, "riskStep": 500_000,
            "makerFeeRate": 0.0, "takerFeeRate": 0.0, "takerFixFee": 0.0,
            "makerFixFee": 0.0, "settlementFee": None, "isDeleverage": True,
            "isQuanto": False, "isInverse": c.is_inverse, "markMethod": "FairPrice",
            "fairMethod": "FundingRate", "fundingBaseSymbol": f".{base}INT8H",
            "fundingQuoteSymbol": f".{quote}INT8H", "fundingRateSymbol": f".{c.symbol}FPI8H",
            "indexSymbol": f".K{base}{quote}", "settlementSymbol": "", "status": "Open",
            "fundingFeeRate": 0.0, "predictedFundingFeeRate": 0.0,
            "fundingRateGranularity": FUNDING_MS, "openInterest": "0",
            "turnoverOf24h": 0.0, "volumeOf24h": 0.0, "markPrice": m, "indexPrice": m,
            "lastTradePrice": m, "nextFundingRateTime": next_funding,
            "maxLeverage": MAX_LEVERAGE, "sourceExchanges": ["kucoin"],
            "lowPrice": m, "highPrice": m, "priceChgPct": 0.0, "priceChg": 0.0,
            "supportCross": True, "buyLimit": float(c.max_price),
            "sellLimit": float(c.tick_size)}


__all__ = ["FUNDING_MS", "LISTED_MS", "contract", "contract_currencies", "cross_margin_symbol",
           "currencies", "currency", "isolated_symbol", "spot_symbol", "ticker"]
