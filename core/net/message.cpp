#include "core/net/message.h"

#include "core/ledger/encoding.h"

namespace mg::net {

namespace {
constexpr quint8 FrameVersion = 1;
}

QByteArray Message::encode() const
{
    ledger::Writer w;
    w.u8(FrameVersion);
    w.u8(static_cast<quint8>(m_type));
    w.u32(m_chainId);
    w.string(m_from);
    w.bytes(m_body);
    return w.take();
}

Result<Message> Message::decode(QByteArrayView frame)
{
    ledger::Reader r(frame, QStringLiteral("message"));
    const quint8 version = r.u8("version");
    if (r.ok() && version != FrameVersion)
        r.fail("version", QStringLiteral("unsupported version %1").arg(version));
    const quint8 type = r.u8("type");
    if (r.ok() && (type == 0 || type > MaxMessageType))
        r.fail("type", QStringLiteral("unknown message type %1").arg(type));
    const quint32 chain = r.u32("chain_id");
    const QString from = r.string("from", ledger::limits::MaxIdLength);
    QByteArray body = r.bytes("body", ledger::limits::MaxBlobLength);
    if (Status s = r.finish(); !s.ok())
        return s.error();
    return Message(static_cast<MessageType>(type), chain, from, std::move(body));
}

} // namespace mg::net
