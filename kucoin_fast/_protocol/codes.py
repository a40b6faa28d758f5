"""KuCoin's codes and texts: the success codes, code -> message, and the spot texts
whose code means something else on futures."""
from __future__ import annotations

from typing import Final

SUCCESS_CODE: Final = "200000"
#: futures.multi_cancel items report success with "200", not "200000" (protocol §6.2).
BATCH_CANCEL_ITEM_SUCCESS_CODE: Final = "200"

#: KuCoin code -> message text. Exact texts where the protocol doc has them.
ERRORS: Final[dict[str, str]] = {
    # handshake / auth (envelope C)
    "400001": "Please check the URL of your request.",
    "400002": "Invalid KC-API-TIMESTAMP.",
    "400003": "KC-API-KEY not exists.",
    "400004": "Invalid KC-API-PASSPHRASE.",
    "400005": "Invalid KC-API-SIGN.",
    "400006": "Invalid request IP, the current client IP is: %s.",
    "400007": "Access denied, requires more permission.",
    "400008": "V1 & V2 API keys are no longer supported by this API. Please create a V3 API key.",
    "400009": "Invalid KC-API-KEY-VERSION.",
    "400010": "UID access denied, requires more permission.",
    "400011": "Session verification failed.",
    "400012": "Session verification has timed out.",
    "400200": "Unknown partner.",
    "400201": "Invalid KC-API-PARTNER-SIGN.",
    "400202": "Invalid request IP.",
    # request data
    "400101": "Invalid request data.",
    "400102": "Please check the parameters of your request.",
    "4001002": "Please check the param of your request: Field 'id' must be a non-empty string.",
    "400100": "Parameter Error",
    # disconnecting errors
    "420001": "Too many errors, disconnected. Please try again later.",
    "420002": "Error receiving data.",
    # rate limits
    "429000": "Too many requests in a short period. Please retry later.(UID LIMIT)",
    "429001": "Too many total requests. Please retry later.(SYSTEM LIMIT)",
    "429002": "Too many requests in a short period. Please retry later.(MULTY LIMIT PER CONNECTION)",
    # server
    "500000": "Internal Server Error",
    "501000": "The service has stopped running. Please disconnect: exiting",
    "503000": "Server is busy.",
    "504000": "Gateway timeout.",
    "505000": "Unknown error.",
    # futures business
    "100001": "There are invalid parameters",
    "100003": "Contract parameter invalid",
    "100004": "The order cannot be canceled.",
    "200003": "symbol invalid",
    "300000": "Request parameter illegal",
    "300001": "Active order quantity limit exceeded (limit: %s, current: %s)",
    "300003": "Balance not enough, please first deposit at least 2 USDT before you start the battle",
    "300004": "Stop order quantity limit exceeded (limit: %s, current: %s)",
    "300018": "clientOid parameter repeated",
    "330008": "Order quantity is too high, insufficient available margin.",
    "330011": "Set and confirm the position mode before trading",
    "411100": "User is frozen",
    # spot and margin business (spot doc §1.6; texts [OBS] or chosen where marked)
    "200004": "Balance insufficient!",
    "400760": "The order funds should more then %s %s.",
    "900001": "symbol not exists",
    "130103": "order not exist.",
    "130105": "Insufficient balance",  # text chosen (spot doc open question 5)
}
#: Spot texts whose code means something else on futures (``ERRORS`` is code -> text).
SPOT_ORDER_CAP_MSG: Final = "Number of orders breached the limit"  # 200003 on spot
SPOT_DUPLICATE_OID_MSG: Final = "validation.createOrder.clientOidDuplicated"  # 400100
SPOT_NOT_CANCELABLE_MSG: Final = "order_not_exist_or_not_allow_to_cancel"  # 400100
SPOT_PRICE_INCREMENT_MSG: Final = "Price increment invalid."
SPOT_SIZE_INCREMENT_MSG: Final = "Order size increment invalid."
SPOT_FUNDS_INCREMENT_MSG: Final = "Funds increment invalid."
SPOT_SIZE_MIN_MSG: Final = "Order size below the minimum requirement."
SPOT_SIZE_MAX_MSG: Final = "Order size above the maximum requirement."  # text chosen
SPOT_FUNDS_MAX_MSG: Final = "Order funds above the maximum requirement."  # text chosen
