#pragma once

#include "core/ledger/block.h"
#include "core/ledger/payloads.h"

namespace mg::consensus {

using ledger::ChainId;
using ledger::NodeId;

// DBSCA: a generator nominates itself for a chain's election round.
struct Nomination
{
    ChainId chainId = 0;
    quint64 round = 0;
    NodeId candidate;
    qint64 scoreMicro = 0;
    QByteArray signature; // by the candidate over signingBytes()

    QByteArray signingBytes() const;
    QByteArray encode() const;
    static Result<Nomination> decode(QByteArrayView bytes);
};

// DBSCA: a member confirms the best candidate it has seen; the signature is over the same bytes
// as ledger::Confirmation (BillerChangePayload::confirmationBytes), so the winner can forward it
// unchanged in its certificate.
struct ConfirmationMessage
{
    ChainId chainId = 0;
    quint64 round = 0;
    NodeId candidate;
    qint64 scoreMicro = 0;
    NodeId confirmer;
    QByteArray signature;

    QByteArray signingBytes() const;
    QByteArray encode() const;
    static Result<ConfirmationMessage> decode(QByteArrayView bytes);
};

// A member's answer to a proposed block. Accept: signature is the block ack (over the block
// hash). Reject: signature over signingBytes(), and reason is the evidence.
struct BlockVote
{
    ChainId chainId = 0;
    quint64 height = 0;
    crypto::Hash256 blockHash;
    NodeId voter;
    bool accept = true;
    QString reason;
    QByteArray signature;

    QByteArray signingBytes() const;
    QByteArray encode() const;
    static Result<BlockVote> decode(QByteArrayView bytes);
};

} // namespace mg::consensus
