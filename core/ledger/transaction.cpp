#include "core/ledger/transaction.h"

#include "core/crypto/keys.h"
#include "core/ledger/encoding.h"

#include <array>

namespace mg::ledger {

namespace {

constexpr std::array<const char *, MaxTxKind> KindNames = {
    "order", "cancel", "trade", "settlement", "governance", "regulator_action", "biller_change", "ack", "anchor",
    "meter_reading",
};

} // namespace

QString txKindName(TxKind kind)
{
    const auto i = static_cast<quint8>(kind);
    if (i < 1 || i > MaxTxKind)
        return QStringLiteral("unknown");
    return QLatin1String(KindNames[i - 1]);
}

std::optional<TxKind> txKindFromName(QStringView name)
{
    for (quint8 i = 1; i <= MaxTxKind; ++i) {
        if (name == QLatin1String(KindNames[i - 1]))
            return static_cast<TxKind>(i);
    }
    return std::nullopt;
}

QByteArray Transaction::signingBytes() const
{
    Writer w;
    w.u8(version);
    w.u8(static_cast<quint8>(kind));
    w.u32(chainId);
    w.string(sender);
    w.i64(timestampMs);
    w.u64(nonce);
    w.bytes(payload);
    return w.take();
}

QByteArray Transaction::encode() const
{
    Writer w;
    w.raw(signingBytes());
    w.bytes(signature);
    return w.take();
}

crypto::Hash256 Transaction::id() const
{
    return crypto::sha256(signingBytes());
}

Result<Transaction> Transaction::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("transaction"));
    Transaction tx;
    tx.version = r.u8("version");
    if (r.ok() && tx.version != CurrentVersion)
        r.fail("version", QStringLiteral("unsupported version %1").arg(tx.version));
    const quint8 kind = r.u8("kind");
    if (r.ok() && (kind < 1 || kind > MaxTxKind))
        r.fail("kind", QStringLiteral("unknown transaction kind %1").arg(kind));
    tx.kind = static_cast<TxKind>(kind);
    tx.chainId = r.u32("chainId");
    tx.sender = r.string("sender", limits::MaxIdLength);
    tx.timestampMs = r.i64("timestampMs");
    tx.nonce = r.u64("nonce");
    tx.payload = r.bytes("payload", limits::MaxPayloadLength);
    tx.signature = r.bytes("signature", limits::MaxSignatureLength);
    if (Status st = r.finish(); !st)
        return st.error();
    return tx;
}

void Transaction::sign(const crypto::KeyPair &key)
{
    Q_ASSERT(!key.isNull());
    signature = key.sign(signingBytes());
}

bool Transaction::verify(QByteArrayView publicKey) const
{
    if (publicKey.isEmpty() || signature.isEmpty())
        return false;
    return crypto::verifyCached(publicKey, signingBytes(), signature);
}

} // namespace mg::ledger
