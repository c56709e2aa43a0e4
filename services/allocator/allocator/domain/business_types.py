"""The eight business types (业务种类) a booking line can carry, in the order of the
manual. The allocator only needs the codes: booking already enforced the combination
rules, the allocator only weighs them."""
from __future__ import annotations

BUSINESS_TYPES: tuple[str, ...] = (
    "PRE_ENTRY",       # 预录入
    "NEW_CARD",        # 新制卡
    "CHANGE_INFO",     # 变更企业信息
    "RENEW_UNLOCK",    # 卡延期、解锁 (count)
    "DECLARANT_CARD",  # 增加、更换报关员卡 (count)
    "OPERATOR_CARD",   # 增加操作员卡 (count)
    "REISSUE_CARD",    # 补卡、换卡 (count)
    "BUY_READER",      # 购读卡器 (optional quantity)
)
