#include "core/ledger/payloads.h"

#include "core/ledger/encoding.h"

namespace mg::ledger {

namespace {

constexpr quint8 PayloadVersion = 1;
constexpr quint32 MaxTransfersPerSettlement = 100000;
constexpr quint32 MaxConfirmations = limits::MaxAcksPerBlock;
// from + to + amount + energy + reason + tradeId
constexpr quint32 MinTransferSize = 4 + 4 + 8 + 8 + 1 + crypto::Hash256::Size;
constexpr quint32 MinConfirmationSize = 4 + 4;
// Domain tag: a confirmation signature cannot be replayed as any other signed message.
constexpr char ConfirmationTag[] = "mg.biller-confirmation.v1";

Writer startPayload()
{
    Writer w;
    w.u8(PayloadVersion);
    return w;
}

void readVersion(Reader &r)
{
    const quint8 v = r.u8("version");
    if (r.ok() && v != PayloadVersion)
        r.fail("version", QStringLiteral("unsupported version %1").arg(v));
}

// Reads an enum stored as an integer, accepting only values in [lo, hi].
template<typename E, typename Int>
E checkedEnum(Reader &r, const char *field, Int raw, Int lo, Int hi)
{
    if (r.ok() && (raw < lo || raw > hi))
        r.fail(field, QStringLiteral("unknown value %1").arg(raw));
    return static_cast<E>(raw);
}

template<typename T>
Result<T> finishWith(Reader &r, T value)
{
    if (Status st = r.finish(); !st)
        return st.error();
    return value;
}

void appendNode(QStringList &nodes, const QString &id)
{
    if (!id.isEmpty() && !nodes.contains(id))
        nodes.append(id);
}

} // namespace

// ---- Order

QByteArray OrderPayload::encode() const
{
    Writer w = startPayload();
    w.u8(static_cast<quint8>(side));
    w.i64(energyWh);
    w.i64(priceMilliPerKwh);
    w.boolean(renewableOnly);
    w.i64(deliverySlot);
    w.i64(expiresAtMs);
    w.hash(acceptsOrderId);
    return w.take();
}

Result<OrderPayload> OrderPayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("order payload"));
    readVersion(r);
    OrderPayload p;
    p.side = checkedEnum<Side, quint8>(r, "side", r.u8("side"), 1, 2);
    p.energyWh = r.i64("energyWh");
    p.priceMilliPerKwh = r.i64("priceMilliPerKwh");
    p.renewableOnly = r.boolean("renewableOnly");
    p.deliverySlot = r.i64("deliverySlot");
    p.expiresAtMs = r.i64("expiresAtMs");
    p.acceptsOrderId = r.hash("acceptsOrderId");
    return finishWith(r, p);
}

// ---- Cancel

QByteArray CancelPayload::encode() const
{
    Writer w = startPayload();
    w.hash(orderId);
    return w.take();
}

Result<CancelPayload> CancelPayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("cancel payload"));
    readVersion(r);
    CancelPayload p;
    p.orderId = r.hash("orderId");
    return finishWith(r, p);
}

// ---- Trade

QByteArray TradePayload::encode() const
{
    Writer w = startPayload();
    w.hash(buyOrderId);
    w.hash(sellOrderId);
    w.string(buyer);
    w.string(seller);
    w.i64(energyWh);
    w.i64(priceMilliPerKwh);
    w.i64(deliverySlot);
    w.i64(penaltyMilliPerKwh);
    w.bytes(buyOrderSignature);
    w.bytes(sellOrderSignature);
    w.u8(static_cast<quint8>(status));
    w.u16(haltReason);
    return w.take();
}

Result<TradePayload> TradePayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("trade payload"));
    readVersion(r);
    TradePayload p;
    p.buyOrderId = r.hash("buyOrderId");
    p.sellOrderId = r.hash("sellOrderId");
    p.buyer = r.string("buyer", limits::MaxIdLength);
    p.seller = r.string("seller", limits::MaxIdLength);
    p.energyWh = r.i64("energyWh");
    p.priceMilliPerKwh = r.i64("priceMilliPerKwh");
    p.deliverySlot = r.i64("deliverySlot");
    p.penaltyMilliPerKwh = r.i64("penaltyMilliPerKwh");
    p.buyOrderSignature = r.bytes("buyOrderSignature", limits::MaxSignatureLength);
    p.sellOrderSignature = r.bytes("sellOrderSignature", limits::MaxSignatureLength);
    p.status = checkedEnum<Status, quint8>(r, "status", r.u8("status"), 0, 1);
    p.haltReason = r.u16("haltReason");
    return finishWith(r, p);
}

// ---- Settlement

QByteArray SettlementPayload::encode() const
{
    Writer w = startPayload();
    w.i64(deliverySlot);
    w.u32(static_cast<quint32>(transfers.size()));
    for (const Transfer &t : transfers) {
        w.string(t.from);
        w.string(t.to);
        w.i64(t.amountMilli);
        w.i64(t.energyWh);
        w.u8(static_cast<quint8>(t.reason));
        w.hash(t.tradeId);
    }
    return w.take();
}

Result<SettlementPayload> SettlementPayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("settlement payload"));
    readVersion(r);
    SettlementPayload p;
    p.deliverySlot = r.i64("deliverySlot");
    const quint32 n = r.count("transfers", MaxTransfersPerSettlement, MinTransferSize);
    p.transfers.reserve(n);
    for (quint32 i = 0; i < n && r.ok(); ++i) {
        Transfer t;
        t.from = r.string("transfer.from", limits::MaxIdLength);
        t.to = r.string("transfer.to", limits::MaxIdLength);
        t.amountMilli = r.i64("transfer.amountMilli");
        t.energyWh = r.i64("transfer.energyWh");
        t.reason = checkedEnum<Transfer::Reason, quint8>(r, "transfer.reason", r.u8("transfer.reason"), 1, 5);
        t.tradeId = r.hash("transfer.tradeId");
        p.transfers.append(std::move(t));
    }
    return finishWith(r, std::move(p));
}

// ---- Governance

QByteArray GovernancePayload::encode() const
{
    Writer w = startPayload();
    w.u16(static_cast<quint16>(action));
    w.string(subject);
    w.hash(proposalId);
    w.bytes(data);
    w.string(reason);
    return w.take();
}

Result<GovernancePayload> GovernancePayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("governance payload"));
    readVersion(r);
    GovernancePayload p;
    p.action = checkedEnum<Action, quint16>(r, "action", r.u16("action"), 1, 8);
    p.subject = r.string("subject", limits::MaxIdLength);
    p.proposalId = r.hash("proposalId");
    p.data = r.bytes("data", limits::MaxPayloadLength);
    p.reason = r.string("reason", limits::MaxTextLength);
    return finishWith(r, std::move(p));
}

// ---- Regulator action

QByteArray RegulatorActionPayload::encode() const
{
    Writer w = startPayload();
    w.u16(static_cast<quint16>(action));
    w.string(subject);
    w.hash(target);
    w.string(reason);
    w.bytes(data);
    return w.take();
}

Result<RegulatorActionPayload> RegulatorActionPayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("regulator action payload"));
    readVersion(r);
    RegulatorActionPayload p;
    p.action = checkedEnum<Action, quint16>(r, "action", r.u16("action"), 1, 9);
    p.subject = r.string("subject", limits::MaxIdLength);
    p.target = r.hash("target");
    p.reason = r.string("reason", limits::MaxTextLength);
    p.data = r.bytes("data", limits::MaxPayloadLength);
    return finishWith(r, std::move(p));
}

// ---- Biller change

QByteArray BillerChangePayload::confirmationBytes() const
{
    Writer w;
    w.raw(QByteArrayView(ConfirmationTag));
    w.u32(chainId);
    w.u64(round);
    w.string(newBiller);
    w.i64(scoreMicro);
    return w.take();
}

QByteArray BillerChangePayload::encode() const
{
    Writer w = startPayload();
    w.u32(chainId);
    w.u64(round);
    w.string(previousBiller);
    w.string(newBiller);
    w.i64(scoreMicro);
    w.u32(static_cast<quint32>(confirmations.size()));
    for (const Confirmation &c : confirmations) {
        w.string(c.nodeId);
        w.bytes(c.signature);
    }
    return w.take();
}

Result<BillerChangePayload> BillerChangePayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("biller change payload"));
    readVersion(r);
    BillerChangePayload p;
    p.chainId = r.u32("chainId");
    p.round = r.u64("round");
    p.previousBiller = r.string("previousBiller", limits::MaxIdLength);
    p.newBiller = r.string("newBiller", limits::MaxIdLength);
    p.scoreMicro = r.i64("scoreMicro");
    const quint32 n = r.count("confirmations", MaxConfirmations, MinConfirmationSize);
    p.confirmations.reserve(n);
    for (quint32 i = 0; i < n && r.ok(); ++i) {
        Confirmation c;
        c.nodeId = r.string("confirmation.nodeId", limits::MaxIdLength);
        c.signature = r.bytes("confirmation.signature", limits::MaxSignatureLength);
        p.confirmations.append(std::move(c));
    }
    return finishWith(r, std::move(p));
}

// ---- Ack

QByteArray AckPayload::encode() const
{
    Writer w = startPayload();
    w.u32(chainId);
    w.u64(height);
    w.hash(blockHash);
    w.string(biller);
    w.boolean(accept);
    w.string(reason);
    return w.take();
}

Result<AckPayload> AckPayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("ack payload"));
    readVersion(r);
    AckPayload p;
    p.chainId = r.u32("chainId");
    p.height = r.u64("height");
    p.blockHash = r.hash("blockHash");
    p.biller = r.string("biller", limits::MaxIdLength);
    p.accept = r.boolean("accept");
    p.reason = r.string("reason", limits::MaxTextLength);
    return finishWith(r, std::move(p));
}

// ---- Anchor

QByteArray AnchorPayload::encode() const
{
    Writer w = startPayload();
    w.bytes(header);
    w.bytes(body);
    return w.take();
}

Result<AnchorPayload> AnchorPayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("anchor payload"));
    readVersion(r);
    AnchorPayload p;
    p.header = r.bytes("header", limits::MaxBlobLength);
    p.body = r.bytes("body", limits::MaxBlobLength);
    return finishWith(r, std::move(p));
}

// ---- Meter reading

QByteArray MeterReadingPayload::encode() const
{
    Writer w = startPayload();
    w.i64(deliverySlot);
    w.i64(generatedWh);
    w.i64(consumedWh);
    return w.take();
}

Result<MeterReadingPayload> MeterReadingPayload::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("meter reading payload"));
    readVersion(r);
    MeterReadingPayload p;
    p.deliverySlot = r.i64("deliverySlot");
    p.generatedWh = r.i64("generatedWh");
    p.consumedWh = r.i64("consumedWh");
    if (r.ok() && (p.generatedWh < 0 || p.consumedWh < 0))
        r.fail("generatedWh", QStringLiteral("metered energy cannot be negative"));
    return finishWith(r, std::move(p));
}

// ---- Index helper

QStringList involvedNodes(const Transaction &tx)
{
    QStringList nodes;
    appendNode(nodes, tx.sender);
    switch (tx.kind) {
    case TxKind::Trade:
        if (auto p = TradePayload::decode(tx.payload)) {
            appendNode(nodes, p->buyer);
            appendNode(nodes, p->seller);
        }
        break;
    case TxKind::Settlement:
        if (auto p = SettlementPayload::decode(tx.payload)) {
            static const QString grid = QStringLiteral("grid");
            for (const Transfer &t : p->transfers) {
                if (t.from != grid)
                    appendNode(nodes, t.from);
                if (t.to != grid)
                    appendNode(nodes, t.to);
            }
        }
        break;
    case TxKind::Governance:
        if (auto p = GovernancePayload::decode(tx.payload))
            appendNode(nodes, p->subject);
        break;
    case TxKind::RegulatorAction:
        if (auto p = RegulatorActionPayload::decode(tx.payload))
            appendNode(nodes, p->subject);
        break;
    case TxKind::BillerChange:
        if (auto p = BillerChangePayload::decode(tx.payload)) {
            appendNode(nodes, p->previousBiller);
            appendNode(nodes, p->newBiller);
        }
        break;
    case TxKind::Ack:
        if (auto p = AckPayload::decode(tx.payload))
            appendNode(nodes, p->biller);
        break;
    case TxKind::Order:
    case TxKind::Cancel:
    case TxKind::Anchor:
    case TxKind::MeterReading:
        break;
    }
    return nodes;
}

} // namespace mg::ledger
