package main

import (
	"errors"
	"os"
	"strings"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/i18n"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/verify"
)

// tr is message key in the terminal's language (LC_ALL, LC_MESSAGES, LANG:
// zh_CN.UTF-8 gives Chinese). Only human output goes through it: --json
// output, error codes and ids stay as they are.
func tr(key string, args ...any) string { return msgs.T(termLang(), key, args...) }

// termLang is the terminal's language, which the signer flow speaks too.
func termLang() i18n.Lang { return i18n.FromEnv(os.Getenv) }

// checkName says a verify check in the terminal's language from its code.
func checkName(c verify.Check) string {
	name := c.Name
	switch c.Code {
	case verify.CheckDocument:
		name = tr("check.document")
	case verify.CheckEvents:
		name = tr("check.events")
	case verify.CheckDocumentHash:
		name = tr("check.documentHash")
	case verify.CheckProjection:
		name = tr("check.projection")
	case verify.CheckSignature:
		name = tr("check.signature", c.Event.Seq, eventName(c.Event.Type), c.Event.Signer)
	case verify.CheckNonce:
		name = tr("check.nonce", c.Event.Seq, eventName(c.Event.Type), c.Event.Signer)
	}
	return name
}

// failReason is what a failed check of relay/verify means; "" for another code.
func failReason(code string) string {
	switch code {
	case verify.CheckDocument:
		return tr("check.documentFail")
	case verify.CheckEvents:
		return tr("check.eventsFail")
	case verify.CheckDocumentHash:
		return tr("check.documentHashFail")
	case verify.CheckProjection:
		return tr("check.projectionFail")
	case verify.CheckSignature:
		return tr("check.signatureFail")
	case verify.CheckNonce:
		return tr("check.nonceFail")
	}
	return ""
}

// checkDetail says what a passed check found in the terminal's language; a
// failure says what it means in the terminal's language, then its
// diagnostics as the verifier wrote them (ids and hashes; English output is
// those alone).
func checkDetail(c verify.Check) string {
	p := c.Params
	if !c.OK {
		if r := failReason(c.Code); r != "" {
			return tr("checkFailDetail", r, c.Detail)
		}
		return c.Detail
	}
	if p == nil {
		return c.Detail
	}
	switch c.Code {
	case verify.CheckEvents:
		return tr("check.eventsOK", p["n"], p["last"], p["blocks"])
	case verify.CheckDocumentHash:
		return p["sha256"]
	case verify.CheckProjection:
		return tr("check.projectionOK", p["status"])
	case verify.CheckSignature:
		d := tr("check.signatureOK", p["alg"], p["payload"], p["cn"], p["cert"])
		if p["batch"] != "" {
			d += tr("check.batchOK", p["leaf"], p["size"], p["batch"], p["root"])
			if p["pdfRevision"] != "" {
				d += tr("check.batchPDFOK", p["pdfRevision"], p["pdfStatement"], p["pdfCount"], p["pdfRoot"])
			}
		}
		d += tr("check.chainOK", p["msp"], p["ca"], p["at"])
		if p["delegated"] != "" {
			d += tr("check.delegated", p["delegated"])
		}
		return d
	}
	return c.Detail
}

// eventName is a ledger event type in the terminal's language.
func eventName(t model.EventType) string {
	switch t {
	case model.EventSignatureRecorded:
		return tr("event.signed")
	case model.EventSignatureDeclined:
		return tr("event.declined")
	case model.EventAnnotated:
		return tr("event.annotated")
	}
	return text.Escape(string(t)) // another event type, as the relay named it
}

var msgs = i18n.Catalog{
	i18n.En: {
		"usage": `usage:
  qrsign enroll  --ca URL --ca-tls FILE --id ID --secret S [--home DIR] [--force]
  qrsign scan    <qr.png | url> [--yes] [--json] [--home DIR]
  qrsign decline <qr.png | url> --reason TEXT [--yes] [--json] [--home DIR]
  qrsign verify  <doc-id> --relay URL [--token URL] [--ca-cert MSPID=FILE]... [--channel NAME] [--json]
                 [--trust-ledger-cas (--ca-fingerprint MSPID=SHA256 | --trust-relay URL)...]
                 (read access: $QRSIGN_API_KEY, or --token with a session URL of the document;
                 every signer's org needs a --ca-cert, else UNVERIFIED)
  qrsign annotate <doc-id> --relay URL [--tag T]... [--note TEXT] [--msp MSPID] [--token URL] [--channel NAME]
                 [--yes] [--json] [--home DIR]   (read access as for verify)
  qrsign batch upload DIR --relay URL [--api-key K] --signer MSPID/ID[:ORDER]... [--title T] [--title-prefix P]
                 [--priority N] [--doc-type T] [--id ID] [--json]   (every file of DIR, sorted, as one batch;
                 a file named "batch" is refused)
  qrsign whoami  [--home DIR]
  qrsign verify-evidence BUNDLE [DOCUMENT] --ca MSPID=FILE... --orderer-ca MSPID=FILE... --endorsing-orgs N [--accept-unwitnessed] [--now RFC3339] [--json]
  qrsign evidence assemble --history FILE --block FILE... --org-history FILE... [-o OUT]   (bundle from peer CLI outputs)
  qrsign login   <qr.png | url> [--yes] [--json] [--msp MSPID] [--home DIR]   (sign a desktop in with its QR)
  qrsign version                 (also --version; COMMAND --help prints that command's flags)
`,
		"unknownCommand":            "qrsign: unknown command %q\n",
		"newPass":                   "New passphrase for the key: ",
		"repeatPass":                "Repeat the passphrase: ",
		"passDiffer":                "the passphrases differ",
		"passShort":                 "the passphrase must be at least 8 characters",
		"enrolled":                  "enrolled %s: certificate %q issued by %q, serial %s, valid until %s\nstored in %s (key encrypted, mode 0600)\n",
		"signed":                    "Signed",
		"declined":                  "Declined",
		"replayed":                  " (already recorded; this is the first result again)",
		"batchResult":               "%s batch %s: %d of its %d documents in tx %s, block %d, %s%s\n",
		"result":                    "%s: %s recorded in tx %s, block %d, %s; document %s is %s%s\n",
		"verifySummary":             "document %s: %s, %d events, %d signatures\n",
		"note":                      "  note %s\n",
		"trustDelegated":            "trust for %s is DELEGATED to the ledger: its CAs were read from %s",
		"unverified":                "UNVERIFIED",
		"checkOK":                   "ok  ",
		"checkFail":                 "FAIL",
		"check.document":            "document",
		"check.events":              "events",
		"check.documentHash":        "document hash",
		"check.projection":          "projection",
		"check.signature":           "event %d %s by %s",
		"check.nonce":               "event %d %s by %s nonce",
		"check.eventsOK":            "%s events, seq 0..%s, all VALID in blocks %s",
		"check.projectionOK":        "fold(events) equals the document (status %s)",
		"check.signatureOK":         "%s signature over payload %s… verifies with %s (cert %s…)",
		"check.batchOK":             "; leaf %s of %s of batch %s (root %s…) proves in",
		"check.batchPDFOK":          "; its PDF revision %s is statement %s of %s (root %s…)",
		"check.chainOK":             "; chain to %s's CA %q valid at %s",
		"check.delegated":           " (trust DELEGATED: CA from %s)",
		"checkFailDetail":           "%[2]s",
		"check.documentFail":        "the document could not be read",
		"check.eventsFail":          "the events are not one complete, valid sequence",
		"check.documentHashFail":    "the hash is not the registered one",
		"check.projectionFail":      "the stored record differs from what the events make",
		"check.signatureFail":       "the signature does not verify against the recorded evidence",
		"check.nonceFail":           "the nonce is not recorded for this transaction",
		"event.signed":              "SignatureRecorded",
		"event.declined":            "SignatureDeclined",
		"event.annotated":           "Annotated",
		"verifiedDeleg":             "VERIFIED (trust delegated to the ledger's CAs for %s)\n",
		"verified":                  "VERIFIED",
		"busy":                      "relay busy (%v); try %d again in %s\n",
		"busyBatch":                 "\nrelay busy (%v); sending the batch again (try %d) in %s\n",
		"annotated":                 "Annotated: document %s recorded in tx %s, block %d, %s; tags now: %s\n",
		"batchUploaded":             "batch %s: %d of %d documents registered, Merkle root %s\n",
		"registered":                "registered",
		"notRegistered":             "NOT registered",
		"sheet":                     "signing sheet: %s\n",
		"whoami":                    "%s: %s, issued by %s, valid %s..%s (CA %s)\n",
		"signedIn":                  "Signed in as %s/%s at %s (challenge %s); the desktop page now shows your records\n",
		"wroteEvidence":             "wrote %s: %d events, %d transactions, %d bytes\n",
		"batchRevision":             "  %s  PDF revision %d: %s\n",
		"batchP7S":                  "  %s  .p7s: %s\n",
		"ev.header":                 "evidence of document %s\n",
		"ev.verified":               "VERIFIED: %d checks passed\n",
		"ev.notVerified":            "NOT VERIFIED: %d of %d checks failed\n",
		"ev.format":                 "format",
		"ev.documentFile":           "document file",
		"ev.tx":                     "tx %s",
		"ev.txEnvelope":             "tx %s envelope",
		"ev.txCreator":              "tx %s creator signature",
		"ev.txEndorsements":         "tx %s endorsements",
		"ev.txBlock":                "tx %s block",
		"ev.txValidationCode":       "tx %s validation code",
		"ev.blocks":                 "blocks",
		"ev.eventsProven":           "events proven",
		"ev.bundleDocumentHash":     "bundle document hash",
		"ev.readChain":              "read chain",
		"ev.lastTxValidity":         "last transaction validity",
		"ev.finalState":             "final state",
		"ev.pdfRevision":            "pdf revision %s",
		"ev.ca":                     "CA %s %s",
		"ev.caOf":                   "CA %s",
		"ev.crl":                    "CRL %s %s",
		"ev.crlOf":                  "CRL %s",
		"ev.revocation":             "event %s revocation",
		"ev.documentFileOK":         "SHA-256 %s = the bundle's document hash",
		"ev.documentFileRevisionOK": "SHA-256 %[1]s = revision %[2]s of the bundle's document, chain 0 → %[2]s complete",
		"ev.laterRevisions":         " (the bundle records later revisions)",
		"ev.txEnvelopeOK":           "channel %s, chaincode %s, submitted %s, tx id = SHA-256(nonce ‖ creator)",
		"ev.txCreatorOK":            "signed by %s %q",
		"ev.endorsementsOK":         "%s endorsement(s) verify, by %s: %s org(s), %s needed of the %s given",
		"ev.txBlockOK":              "entry %s of block %s; data hash and header hash %s… recomputed; signed by %s",
		"ev.txValidationCodeOK":     "VALID (recorded by the committing peer)",
		"ev.blocksOK":               "%s block(s), each listed once and named by a transaction",
		"ev.eventsProvenOK":         "%s events, each the value its endorsed transaction wrote at %s<seq>",
		"ev.bundleDocumentHashOK":   "%s as registered",
		"ev.readChainOK":            "each of the %s transactions read %s as the previous one wrote it (the first: absent)",
		"ev.unwitnessedOK":          "UNPROVEN (peer's word): no freshness witness; the last transaction %s is VALID and the last event only by the committing peer's unsigned validation code, accepted by --accept-unwitnessed",
		"ev.witnessOK":              "witness %s created by %s%s, dated %s by its creator, read %s at {%s, %s}: the last transaction %s was valid and no later event existed when it was endorsed; ",
		"ev.envelopeSigned":         " (envelope signed)",
		"ev.envelopeUnsigned":       " (envelope unsigned)",
		"ev.finalStateOK":           "%s as written by tx %s",
		"ev.pdfRevisionOK":          "bytes 0..%s hash to %s, recorded by %s (event %s, tx %s)",
		"ev.byRegistration":         "the registration",
		"ev.byDSS":                  "the DSS revision",
		"ev.bySignature":            "the signature of %s",
		"ev.dssIncrement":           "; exactly a DSS increment (%s certificates, %s CRLs)",
		"ev.signatureIncrement":     "; exactly one signed signature increment",
		"ev.caOK":                   "%q (%s…) chains to the given root %q of %s",
		"ev.crlOK":                  "number %q, thisUpdate %s, %s revoked, signed by CA %s…",
		"ev.revocationOK":           "serial(s) %s not on CRL %q (thisUpdate %s) of %s",
		// A failed command: English says the error as it is (the kind, %[2]s, is for other languages).
		"errorLine":       "qrsign %[1]s: %[3]v\n",
		"errHash":         "refused: the document does not match the QR code; nothing was signed",
		"errBatch":        "refused: the batch does not match the QR code; nothing was signed",
		"errSession":      "refused: the relay's session does not match the QR code; nothing was signed",
		"errWrongSigner":  "this QR code is for another signer",
		"errNotConfirmed": "not confirmed; nothing was signed",
		"errUnverified":   "verification failed",
		"errUsage":        "wrong usage",
		"errBusy":         "the relay or the network is busy; try again shortly",
		"errRelay":        "the relay refused the request",
		"errOther":        "the command failed",
	},
	i18n.Zh: {
		"usage": `用法：
  qrsign enroll  --ca URL --ca-tls FILE --id ID --secret S [--home DIR] [--force]
  qrsign scan    <qr.png | url> [--yes] [--json] [--home DIR]
  qrsign decline <qr.png | url> --reason TEXT [--yes] [--json] [--home DIR]
  qrsign verify  <doc-id> --relay URL [--token URL] [--ca-cert MSPID=FILE]... [--channel NAME] [--json]
                 [--trust-ledger-cas (--ca-fingerprint MSPID=SHA256 | --trust-relay URL)...]
                 （读取权限：$QRSIGN_API_KEY，或用 --token 传入该文件的会话网址；
                 每位签署人的组织都需要一个 --ca-cert，否则结果为 UNVERIFIED）
  qrsign annotate <doc-id> --relay URL [--tag T]... [--note TEXT] [--msp MSPID] [--token URL] [--channel NAME]
                 [--yes] [--json] [--home DIR]   （读取权限同 verify）
  qrsign batch upload DIR --relay URL [--api-key K] --signer MSPID/ID[:ORDER]... [--title T] [--title-prefix P]
                 [--priority N] [--doc-type T] [--id ID] [--json]   （DIR 中的每个文件按名称排序，作为一个批次；
                 不接受名为 "batch" 的文件）
  qrsign whoami  [--home DIR]
  qrsign verify-evidence BUNDLE [DOCUMENT] --ca MSPID=FILE... --orderer-ca MSPID=FILE... --endorsing-orgs N [--accept-unwitnessed] [--now RFC3339] [--json]
  qrsign evidence assemble --history FILE --block FILE... --org-history FILE... [-o OUT]   （由 peer CLI 的输出组装证据包）
  qrsign login   <qr.png | url> [--yes] [--json] [--msp MSPID] [--home DIR]   （扫描桌面页面的二维码为其登录）
  qrsign version                 （也可用 --version；COMMAND --help 列出该命令的参数）
`,
		"unknownCommand":            "qrsign：未知命令 %q\n",
		"newPass":                   "为密钥设置新口令：",
		"repeatPass":                "再次输入口令：",
		"passDiffer":                "两次输入的口令不同",
		"passShort":                 "口令至少要 8 个字符",
		"enrolled":                  "已登记 %s：证书 %q，签发者 %q，序列号 %s，有效期至 %s\n保存在 %s（密钥已加密，权限 0600）\n",
		"signed":                    "已签署",
		"declined":                  "已拒签",
		"replayed":                  "（之前已记录，这是第一次的结果）",
		"batchResult":               "%s批次 %s：共 %[4]d 份中的 %[3]d 份，交易 %[5]s，区块 %[6]d，%[7]s%[8]s\n",
		"result":                    "%s：%s事件已记录，交易 %s，区块 %d，%s；文件 %s 状态 %s%s\n",
		"verifySummary":             "文件 %s：%s，%d 个事件，%d 个签名\n",
		"note":                      "  注意 %s\n",
		"trustDelegated":            "%s 的信任已委托给账本：其 CA 读自 %s",
		"unverified":                "未通过验证（UNVERIFIED）",
		"checkOK":                   "通过",
		"checkFail":                 "失败",
		"check.document":            "文件",
		"check.events":              "事件流",
		"check.documentHash":        "文件哈希",
		"check.projection":          "记录与事件一致",
		"check.signature":           "事件 %d（%s，%s）",
		"check.nonce":               "事件 %d（%s，%s）的防重放随机数",
		"check.eventsOK":            "共 %s 个事件，序号 0..%s，均在区块 %s 中且有效（VALID）",
		"check.projectionOK":        "由事件推演的结果与文件记录一致（状态 %s）",
		"check.signatureOK":         "对载荷 %[2]s… 的 %[1]s 签名经 %[3]s 的证书（%[4]s…）验证通过",
		"check.batchOK":             "；是批次 %[3]s（根 %[4]s…）共 %[2]s 份中的第 %[1]s 份，Merkle 证明成立",
		"check.batchPDFOK":          "；其 PDF 修订版本 %[1]s 是 PDF 声明树（根 %[4]s…）共 %[3]s 条中的第 %[2]s 条",
		"check.chainOK":             "；证书链通向 %s 的 CA %q，在 %s 有效",
		"check.delegated":           "（信任已委托：CA 来自 %s）",
		"checkFailDetail":           "%[1]s（原始信息：%[2]s）",
		"check.documentFail":        "无法读取文件记录",
		"check.eventsFail":          "事件序列不完整或无效",
		"check.documentHashFail":    "哈希与登记的不一致",
		"check.projectionFail":      "存储的记录与由事件推演的结果不一致",
		"check.signatureFail":       "签名与账本上记录的证据不符",
		"check.nonceFail":           "此交易没有记录该防重放随机数",
		"event.signed":              "签署",
		"event.declined":            "拒签",
		"event.annotated":           "批注",
		"verifiedDeleg":             "验证通过（VERIFIED；%s 的信任委托给账本上的 CA）\n",
		"verified":                  "验证通过（VERIFIED）",
		"busy":                      "服务器繁忙（%v）；%[3]s 后第 %[2]d 次重试\n",
		"busyBatch":                 "\n服务器繁忙（%v）；%[3]s 后第 %[2]d 次重新发送批次\n",
		"annotated":                 "已添加标注：文件 %s，交易 %s，区块 %d，%s；当前标签：%s\n",
		"batchUploaded":             "批次 %s：已登记 %d/%d 份文件，Merkle 根 %s\n",
		"registered":                "已登记",
		"notRegistered":             "未登记",
		"sheet":                     "签署单：%s\n",
		"whoami":                    "%s：%s，签发者 %s，有效期 %s..%s（CA %s）\n",
		"signedIn":                  "已以 %s/%s 身份登录 %s（挑战 %s）；桌面页面现在显示您的记录\n",
		"wroteEvidence":             "已写入 %s：%d 个事件，%d 笔交易，%d 字节\n",
		"errorLine":                 "qrsign %s：%s。\n  原始信息：%v\n",
		"errHash":                   "拒绝签署：文件与二维码不符，可能已被篡改；没有签署任何内容",
		"errBatch":                  "拒绝签署：批次与二维码不符；没有签署任何内容",
		"errSession":                "拒绝签署：服务器的会话与二维码不符；没有签署任何内容",
		"errWrongSigner":            "此二维码是给另一位签署人的",
		"errNotConfirmed":           "未确认；没有签署任何内容",
		"errUnverified":             "验证未通过",
		"errUsage":                  "用法有误",
		"errBusy":                   "服务器或网络繁忙，请稍后再试",
		"errRelay":                  "服务器拒绝了请求",
		"errOther":                  "命令执行失败",
		"batchRevision":             "  %s  PDF 修订版本 %d：%s\n",
		"batchP7S":                  "  %s  .p7s：%s\n",
		"ev.header":                 "文件 %s 的证据包\n",
		"ev.verified":               "验证通过（VERIFIED）：%d 项检查全部通过\n",
		"ev.notVerified":            "未通过验证（NOT VERIFIED）：%[2]d 项检查中有 %[1]d 项失败\n",
		"ev.format":                 "格式",
		"ev.documentFile":           "文件比对",
		"ev.tx":                     "交易 %s",
		"ev.txEnvelope":             "交易 %s 的信封",
		"ev.txCreator":              "交易 %s 的提交者签名",
		"ev.txEndorsements":         "交易 %s 的背书",
		"ev.txBlock":                "交易 %s 所在区块",
		"ev.txValidationCode":       "交易 %s 的验证结果",
		"ev.blocks":                 "区块列表",
		"ev.eventsProven":           "事件证明",
		"ev.bundleDocumentHash":     "证据包中的文件哈希",
		"ev.readChain":              "读取链",
		"ev.lastTxValidity":         "最后一笔交易的有效性",
		"ev.finalState":             "最终状态",
		"ev.pdfRevision":            "PDF 修订版本 %s",
		"ev.ca":                     "CA %s（%s）",
		"ev.caOf":                   "%s 的 CA",
		"ev.crl":                    "CRL %s（%s）",
		"ev.crlOf":                  "%s 的 CRL",
		"ev.revocation":             "事件 %s 的吊销检查",
		"ev.documentFileOK":         "SHA-256 %s，与证据包中的文件哈希一致",
		"ev.documentFileRevisionOK": "SHA-256 %[1]s，是证据包中文件的第 %[2]s 个修订版本，0 → %[2]s 的修订链完整",
		"ev.laterRevisions":         "（证据包还记录了更晚的修订版本）",
		"ev.txEnvelopeOK":           "通道 %s，链码 %s，提交于 %s，交易 ID 由随机数和提交者算出（SHA-256）",
		"ev.txCreatorOK":            "由 %s %q 签名",
		"ev.endorsementsOK":         "%[1]s 个背书均验证通过，来自 %[2]s：%[3]s 个组织（给定 %[5]s 个，要求 %[4]s 个）",
		"ev.txBlockOK":              "区块 %[2]s 的第 %[1]s 项；数据哈希和区块头哈希 %[3]s… 重算一致；由 %[4]s 签名",
		"ev.txValidationCodeOK":     "VALID（由提交节点记录）",
		"ev.blocksOK":               "共 %s 个区块，各列一次，且都有交易引用",
		"ev.eventsProvenOK":         "共 %s 个事件，每个都与其背书交易在 %s 下写入的值一致",
		"ev.bundleDocumentHashOK":   "%s，与登记事件一致",
		"ev.readChainOK":            "%[1]s 笔交易依次读取 %[2]s，每笔读到的都是前一笔写入的版本（第一笔读到的是不存在）",
		"ev.unwitnessedOK":          "未证明（UNPROVEN，仅凭节点一面之词）：没有新鲜度见证；最后一笔交易 %s 有效（VALID）、其事件是最后一个，只依据提交节点未签名的验证结果，已按 --accept-unwitnessed 接受",
		"ev.witnessOK":              "见证 %[1]s 由 %[2]s 创建%[3]s，创建者所标日期 %[4]s，读到 %[5]s 的版本为 {%[6]s, %[7]s}：最后一笔交易 %[8]s 有效，且背书时之后没有新事件；",
		"ev.envelopeSigned":         "（信封已签名）",
		"ev.envelopeUnsigned":       "（信封未签名）",
		"ev.finalStateOK":           "%s，由交易 %s 写入",
		"ev.pdfRevisionOK":          "字节 0..%s 的哈希为 %s，由%s记录（事件 %s，交易 %s）",
		"ev.byRegistration":         "登记事件",
		"ev.byDSS":                  " DSS 修订",
		"ev.bySignature":            " %s 的签名",
		"ev.dssIncrement":           "；恰好是一个 DSS 增量（%s 个证书，%s 个 CRL）",
		"ev.signatureIncrement":     "；恰好是一个已签名的签名增量",
		"ev.caOK":                   "%[1]q（%[2]s…）的证书链通向 %[4]s 的给定根证书 %[3]q",
		"ev.crlOK":                  "编号 %q，更新时间 %s，吊销 %s 张证书，由 CA %s… 签发",
		"ev.revocationOK":           "序列号 %[1]s 不在 %[4]s 的 CRL %[2]q（更新时间 %[3]s）上",
	},
}

// errorLine is how a failed command reports err: a sentence for its kind in
// the terminal's language, then the message itself (ids, codes and the
// relay's detail stay as they are). The kinds follow exitCode's.
func errorLine(cmd string, err error) string {
	var kind string
	switch code := exitCode(err); {
	case errors.Is(err, flow.ErrHashMismatch):
		kind = tr("errHash")
	case errors.Is(err, flow.ErrBatchMismatch):
		kind = tr("errBatch")
	case errors.Is(err, flow.ErrSessionMismatch):
		kind = tr("errSession")
	case errors.Is(err, flow.ErrWrongSigner):
		kind = tr("errWrongSigner")
	case errors.Is(err, flow.ErrNotConfirmed):
		kind = tr("errNotConfirmed")
	case code == exitUnverified:
		kind = tr("errUnverified")
	case code == exitUsage:
		kind = tr("errUsage")
	case code == exitUnavailable:
		kind = tr("errBusy")
	case code == exitRejected:
		kind = tr("errRelay")
	default:
		kind = tr("errOther")
	}
	return tr("errorLine", cmd, kind, escapeLines(err.Error()))
}

// escapeLines is text.Escape line by line: an error quoting the relay or a
// bundle keeps its lines but cannot move the cursor or rewrite one.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = text.Escape(l)
	}
	return strings.Join(lines, "\n")
}
