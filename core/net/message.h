#pragma once

#include "core/common/result.h"

#include <QByteArray>
#include <QString>

#include <any>
#include <functional>
#include <memory>

namespace mg::net {

using NodeId = QString;

// What a message carries; the body is the canonical encoding of the matching consensus type.
enum class MessageType : quint8 {
    Transaction = 1,    // a signed ledger transaction for a chain's mempools
    Nomination = 2,     // DBSCA: a generator nominates itself (signed)
    Confirmation = 3,   // DBSCA: a member confirms its best candidate (signed)
    ElectionResult = 4, // DBSCA: the winner's certificate (quorum of confirmations)
    Proposal = 5,       // a block proposed by the biller
    Vote = 6,           // a member's signed ack, or a reject with its reason
    Final = 7,          // the header with a quorum of acks
    SyncRequest = 8,    // a lagging member asks for blocks
    SyncResponse = 9,
};
constexpr quint8 MaxMessageType = 9;

// An immutable network message. Every body is itself signed by its author (transactions,
// nominations, confirmations, votes, blocks), so a message needs no envelope signature; the TCP
// transport additionally authenticates peers. In-process, one message object is shared by all
// recipients and decoded once (decoded<T>() caches).
class Message
{
public:
    Message(MessageType type, quint32 chainId, NodeId from, QByteArray body)
        : m_type(type), m_chainId(chainId), m_from(std::move(from)), m_body(std::move(body)) {}

    MessageType type() const { return m_type; }
    quint32 chainId() const { return m_chainId; }
    const NodeId &from() const { return m_from; }
    const QByteArray &body() const { return m_body; }

    // Frame encoding for transports between processes: version, type, chain, from, body.
    QByteArray encode() const;
    static Result<Message> decode(QByteArrayView frame);

    // Decodes the body as T (T::decode(QByteArrayView) -> Result<T>) once; nullptr when invalid.
    // Not thread-safe: a message is consumed on the engine thread.
    template<typename T>
    const T *decoded() const
    {
        if (!m_decodeTried) {
            m_decodeTried = true;
            auto r = T::decode(m_body);
            if (r.ok())
                m_decoded = std::make_shared<T>(std::move(r).value());
        }
        return static_cast<const T *>(m_decoded.get());
    }

    // Work derived from the message that does not depend on who receives it (ids, signature
    // checks), computed by the first in-process recipient and reused by the others. One memo type
    // per message (a message has one type). Not thread-safe, like decoded().
    template<typename T>
    T &memo() const
    {
        if (!m_memo)
            m_memo = std::make_shared<T>();
        return *static_cast<T *>(m_memo.get());
    }

    // A message that already carries its decoded body (the sender built it).
    template<typename T>
    static std::shared_ptr<const Message> make(MessageType type, quint32 chainId, const NodeId &from, const T &object)
    {
        auto m = std::make_shared<Message>(type, chainId, from, object.encode());
        m->m_decoded = std::make_shared<T>(object);
        m->m_decodeTried = true;
        return m;
    }

private:
    MessageType m_type;
    quint32 m_chainId;
    NodeId m_from;
    QByteArray m_body;
    mutable std::shared_ptr<const void> m_decoded;
    mutable bool m_decodeTried = false;
    mutable std::shared_ptr<void> m_memo;
};

using MessagePtr = std::shared_ptr<const Message>;

} // namespace mg::net
