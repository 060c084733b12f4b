#include "core/consensus/messages.h"

#include "core/ledger/encoding.h"

namespace mg::consensus {

using ledger::Reader;
using ledger::Writer;
namespace limits = ledger::limits;

namespace {
constexpr quint8 Version = 1;

void checkVersion(Reader &r)
{
    const quint8 v = r.u8("version");
    if (r.ok() && v != Version)
        r.fail("version", QStringLiteral("unsupported version %1").arg(v));
}
} // namespace

QByteArray Nomination::signingBytes() const
{
    Writer w;
    w.raw("mg-nominate");
    w.u32(chainId);
    w.u64(round);
    w.string(candidate);
    w.i64(scoreMicro);
    return w.take();
}

QByteArray Nomination::encode() const
{
    Writer w;
    w.u8(Version);
    w.u32(chainId);
    w.u64(round);
    w.string(candidate);
    w.i64(scoreMicro);
    w.bytes(signature);
    return w.take();
}

Result<Nomination> Nomination::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("nomination"));
    checkVersion(r);
    Nomination n;
    n.chainId = r.u32("chain_id");
    n.round = r.u64("round");
    n.candidate = r.string("candidate", limits::MaxIdLength);
    n.scoreMicro = r.i64("score");
    n.signature = r.bytes("signature", limits::MaxSignatureLength);
    if (Status s = r.finish(); !s.ok())
        return s.error();
    return n;
}

QByteArray ConfirmationMessage::signingBytes() const
{
    ledger::BillerChangePayload p;
    p.chainId = chainId;
    p.round = round;
    p.newBiller = candidate;
    p.scoreMicro = scoreMicro;
    return p.confirmationBytes();
}

QByteArray ConfirmationMessage::encode() const
{
    Writer w;
    w.u8(Version);
    w.u32(chainId);
    w.u64(round);
    w.string(candidate);
    w.i64(scoreMicro);
    w.string(confirmer);
    w.bytes(signature);
    return w.take();
}

Result<ConfirmationMessage> ConfirmationMessage::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("confirmation"));
    checkVersion(r);
    ConfirmationMessage c;
    c.chainId = r.u32("chain_id");
    c.round = r.u64("round");
    c.candidate = r.string("candidate", limits::MaxIdLength);
    c.scoreMicro = r.i64("score");
    c.confirmer = r.string("confirmer", limits::MaxIdLength);
    c.signature = r.bytes("signature", limits::MaxSignatureLength);
    if (Status s = r.finish(); !s.ok())
        return s.error();
    return c;
}

QByteArray BlockVote::signingBytes() const
{
    Writer w;
    w.raw("mg-vote");
    w.u32(chainId);
    w.u64(height);
    w.hash(blockHash);
    w.string(voter);
    w.boolean(accept);
    w.string(reason);
    return w.take();
}

QByteArray BlockVote::encode() const
{
    Writer w;
    w.u8(Version);
    w.u32(chainId);
    w.u64(height);
    w.hash(blockHash);
    w.string(voter);
    w.boolean(accept);
    w.string(reason);
    w.bytes(signature);
    return w.take();
}

Result<BlockVote> BlockVote::decode(QByteArrayView bytes)
{
    Reader r(bytes, QStringLiteral("block vote"));
    checkVersion(r);
    BlockVote v;
    v.chainId = r.u32("chain_id");
    v.height = r.u64("height");
    v.blockHash = r.hash("block_hash");
    v.voter = r.string("voter", limits::MaxIdLength);
    v.accept = r.boolean("accept");
    v.reason = r.string("reason", limits::MaxTextLength);
    v.signature = r.bytes("signature", limits::MaxSignatureLength);
    if (Status s = r.finish(); !s.ok())
        return s.error();
    return v;
}

} // namespace mg::consensus
