#pragma once

#include "core/net/message.h"

#include <QList>

namespace mg::net {

// A node's receiving side.
class Endpoint
{
public:
    virtual ~Endpoint() = default;
    virtual void deliver(const MessagePtr &message) = 0;
};

// Moves messages between nodes. The in-process network implements it for the embedded
// microgrid; a TCP transport implements it between processes. Delivery is asynchronous:
// send() never calls the recipient's deliver() before returning.
class Transport
{
public:
    virtual ~Transport() = default;

    virtual void attach(const NodeId &node, Endpoint *endpoint) = 0;
    virtual void detach(const NodeId &node) = 0;
    virtual void send(const NodeId &to, const MessagePtr &message) = 0;
    // Sends to each of `to` except the sender itself.
    virtual void multicast(const QList<NodeId> &to, const MessagePtr &message)
    {
        for (const NodeId &n : to)
            if (n != message->from())
                send(n, message);
    }
};

} // namespace mg::net
