package iso8583

// ResponseCode is field 39. In responses it is the host's answer; in a
// reversal (0400) it is the reason the terminal reverses.
type ResponseCode string

// Response codes with a meaning of their own in this package.
const (
	Approved ResponseCode = "00"

	// Reversal reasons (CUP POS spec, 冲正原因): the terminal got no
	// response, the response MAC failed, or anything else (for example
	// the card declined after host approval).
	ReasonNoResponse ResponseCode = "98"
	ReasonMACError   ResponseCode = "A0"
	ReasonOther      ResponseCode = "06"
)

// Approved reports whether rc approves the transaction ("00", "10"
// partial approval, "11" VIP approval).
func (rc ResponseCode) Approved() bool { return rc == "00" || rc == "10" || rc == "11" }

// FinishesReversal reports whether a 0410 with rc ends a terminal's
// reversal by UnionPay practice: 00 (reversed), 12 (invalid transaction:
// nothing to reverse) and 25 (original not found). Every other code (96
// system malfunction, 91 issuer unavailable, A0 MAC error …) leaves the
// reversal pending, to be sent again.
func (rc ResponseCode) FinishesReversal() bool { return rc == "00" || rc == "12" || rc == "25" }

// Meaning returns the CUP meaning of rc in English, or "" if unknown.
func (rc ResponseCode) Meaning() string { return responseCodes[rc].en }

// MeaningZH returns the CUP meaning of rc in Chinese (the wording printed
// on terminals' screens and receipts), or "" if unknown.
func (rc ResponseCode) MeaningZH() string { return responseCodes[rc].zh }

func (rc ResponseCode) String() string {
	if m := rc.Meaning(); m != "" {
		return string(rc) + " (" + m + ")"
	}
	return string(rc)
}

// responseCodes is the CUP POS response-code table (银联POS终端应答码).
var responseCodes = map[ResponseCode]struct{ en, zh string }{
	"00": {"approved", "承兑或交易成功"},
	"01": {"refer to card issuer", "请持卡人与发卡银行联系"},
	"03": {"invalid merchant", "无效商户"},
	"04": {"pick up card", "此卡被没收"},
	"05": {"do not honour", "持卡人认证失败"},
	"06": {"error", "出错"},
	"10": {"partial approval", "部分承兑"},
	"11": {"approved (VIP)", "成功，VIP客户"},
	"12": {"invalid transaction", "无效交易"},
	"13": {"invalid amount", "无效金额"},
	"14": {"invalid card number", "无效卡号"},
	"15": {"no such issuer", "此卡无对应发卡方"},
	"21": {"card not initialised", "该卡未初始化或睡眠卡"},
	"22": {"suspected malfunction", "操作有误，或超出交易允许天数"},
	"25": {"unable to locate original transaction", "没有原始交易，请联系发卡方"},
	"30": {"format error", "请重试"},
	"34": {"suspected fraud", "作弊卡，吞卡"},
	"38": {"PIN tries exceeded, call issuer", "密码错误次数超限，请与发卡方联系"},
	"40": {"function not supported", "发卡方不支持的交易类型"},
	"41": {"lost card", "挂失卡，请没收"},
	"43": {"stolen card", "被窃卡，请没收"},
	"45": {"fallback not allowed, use the chip", "请使用芯片"},
	"51": {"insufficient funds", "可用余额不足"},
	"54": {"expired card", "该卡已过期"},
	"55": {"incorrect PIN", "密码错"},
	"57": {"transaction not permitted to cardholder", "不允许此卡交易"},
	"58": {"transaction not permitted to terminal", "发卡方不允许该卡在本终端进行此交易"},
	"59": {"suspected fraud (card verification)", "卡片校验错"},
	"61": {"exceeds amount limit", "交易金额超限"},
	"62": {"restricted card", "受限制的卡"},
	"64": {"original amount incorrect", "交易金额与原交易不匹配"},
	"65": {"exceeds frequency limit", "超出消费次数限制"},
	"68": {"issuer response timed out", "交易超时，请重试"},
	"75": {"PIN tries exceeded", "密码错误次数超限"},
	"90": {"cut-off in progress", "系统日切，请稍后重试"},
	"91": {"issuer inoperative", "发卡方状态不正常，请稍后重试"},
	"92": {"issuer unreachable", "发卡方线路异常，请稍后重试"},
	"94": {"duplicate transaction", "拒绝，重复交易，请稍后重试"},
	"96": {"system malfunction", "拒绝，交换中心异常，请稍后重试"},
	"97": {"terminal not registered", "终端未登记"},
	"98": {"issuer timed out", "发卡方超时"},
	"99": {"PIN block format error", "PIN格式错，请重新签到"},
	"A0": {"MAC verification failed", "MAC校验错，请重新签到"},
}
