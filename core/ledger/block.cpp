#include "core/ledger/block.h"

#include "core/crypto/keys.h"
#include "core/ledger/encoding.h"
#include "core/ledger/merkle.h"

namespace mg::ledger {

namespace {

constexpr quint8 BodyVersion = 1;
// Upper bound of one encoded transaction: the payload limit plus the envelope's fixed fields,
// sender and signature (generous; the real bound is the remaining input).
constexpr quint32 MaxTxEncodingLength = limits::MaxPayloadLength + 1024;
// An ack is at least two empty length prefixes.
constexpr quint32 MinAckSize = 8;
// A transaction in the body is at least its length prefix.
constexpr quint32 MinTxSize = 4;

} // namespace

QByteArray BlockHeader::signingBytes() const
{
    Writer w;
    w.u8(version);
    w.u32(chainId);
    w.u64(height);
    w.hash(prevHash);
    w.hash(merkleRoot);
    w.i64(timestampMs);
    w.string(billerId);
    w.u32(txCount);
    return w.take();
}

crypto::Hash256 BlockHeader::hash() const
{
    return crypto::sha256(signingBytes());
}

QByteArray BlockHeader::encode() const
{
    Writer w;
    w.raw(signingBytes());
    w.bytes(billerSignature);
    w.u32(static_cast<quint32>(acks.size()));
    for (const BlockAck &ack : acks) {
        w.string(ack.nodeId);
        w.bytes(ack.signature);
    }
    return w.take();
}

Result<BlockHeader> BlockHeader::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("block header"));
    BlockHeader h;
    h.version = r.u8("version");
    if (r.ok() && h.version != CurrentVersion)
        r.fail("version", QStringLiteral("unsupported version %1").arg(h.version));
    h.chainId = r.u32("chainId");
    h.height = r.u64("height");
    h.prevHash = r.hash("prevHash");
    h.merkleRoot = r.hash("merkleRoot");
    h.timestampMs = r.i64("timestampMs");
    h.billerId = r.string("billerId", limits::MaxIdLength);
    h.txCount = r.u32("txCount");
    h.billerSignature = r.bytes("billerSignature", limits::MaxSignatureLength);
    const quint32 ackCount = r.count("acks", limits::MaxAcksPerBlock, MinAckSize);
    h.acks.reserve(ackCount);
    for (quint32 i = 0; i < ackCount && r.ok(); ++i) {
        BlockAck ack;
        ack.nodeId = r.string("ack.nodeId", limits::MaxIdLength);
        ack.signature = r.bytes("ack.signature", limits::MaxSignatureLength);
        h.acks.append(std::move(ack));
    }
    if (Status st = r.finish(); !st)
        return st.error();
    return h;
}

void BlockHeader::signAsBiller(const crypto::KeyPair &key)
{
    Q_ASSERT(!key.isNull());
    billerSignature = key.sign(hash().toByteArray());
}

BlockAck BlockHeader::makeAck(const NodeId &member, const crypto::KeyPair &key) const
{
    Q_ASSERT(!key.isNull());
    return BlockAck{member, key.sign(hash().toByteArray())};
}

QByteArray Block::encodeBody() const
{
    Writer w;
    w.u8(BodyVersion);
    w.u32(static_cast<quint32>(txs.size()));
    for (const Transaction &tx : txs)
        w.bytes(tx.encode());
    return w.take();
}

Result<QList<Transaction>> Block::decodeBody(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("block body"));
    const quint8 version = r.u8("version");
    if (r.ok() && version != BodyVersion)
        r.fail("version", QStringLiteral("unsupported version %1").arg(version));
    const quint32 n = r.count("txs", limits::MaxTxPerBlock, MinTxSize);
    QList<Transaction> txs;
    txs.reserve(n);
    for (quint32 i = 0; i < n && r.ok(); ++i) {
        const QByteArray raw = r.bytes("tx", MaxTxEncodingLength);
        if (!r.ok())
            break;
        Result<Transaction> tx = Transaction::decode(raw);
        if (!tx) {
            // Keep the inner code (truncated, invalid...) and say which transaction it was.
            return Error{tx.error().code,
                         QStringLiteral("block body: tx %1: %2").arg(QString::number(i), tx.error().message)};
        }
        txs.append(std::move(tx).value());
    }
    if (Status st = r.finish(); !st)
        return st.error();
    return txs;
}

QByteArray Block::encode() const
{
    Writer w;
    w.bytes(header.encode());
    w.bytes(encodeBody());
    return w.take();
}

Result<Block> Block::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("block"));
    const QByteArray headerBytes = r.bytes("header", limits::MaxBlobLength);
    const QByteArray bodyBytes = r.bytes("body", limits::MaxBlobLength);
    if (Status st = r.finish(); !st)
        return st.error();
    Result<BlockHeader> h = BlockHeader::decode(headerBytes);
    if (!h)
        return h.error();
    Result<QList<Transaction>> body = decodeBody(bodyBytes);
    if (!body)
        return body.error();
    return Block{std::move(h).value(), std::move(body).value()};
}

QList<crypto::Hash256> Block::txIds() const
{
    QList<crypto::Hash256> ids;
    ids.reserve(txs.size());
    for (const Transaction &tx : txs)
        ids.append(tx.id());
    return ids;
}

void Block::seal()
{
    header.txCount = static_cast<quint32>(txs.size());
    header.merkleRoot = merkleRoot(txIds());
}

} // namespace mg::ledger
