#pragma once

#include "core/ledger/transaction.h"

#include <QList>

namespace mg::ledger {

// A member's signature over a block hash: the block is final when a quorum of these is collected.
struct BlockAck
{
    NodeId nodeId;
    QByteArray signature; // Ed25519 over BlockHeader::hash() bytes

    bool operator==(const BlockAck &) const = default;
};

struct BlockHeader
{
    static constexpr quint8 CurrentVersion = 1;

    quint8 version = CurrentVersion;
    ChainId chainId = 0;
    quint64 height = 0;
    crypto::Hash256 prevHash;   // null for the genesis block (height 0)
    crypto::Hash256 merkleRoot; // over the body's transaction ids (merkle.h)
    qint64 timestampMs = 0;
    NodeId billerId;
    quint32 txCount = 0;
    QByteArray billerSignature; // over hash()
    QList<BlockAck> acks;

    // Bytes covered by the hash: every field above billerSignature. Acks and the biller's
    // signature are over the hash, so they can be collected after the block is proposed.
    QByteArray signingBytes() const;
    crypto::Hash256 hash() const;
    QByteArray encode() const;
    static Result<BlockHeader> decode(QByteArrayView bytes);

    void signAsBiller(const crypto::KeyPair &key);
    BlockAck makeAck(const NodeId &member, const crypto::KeyPair &key) const;

    bool operator==(const BlockHeader &) const = default;
};

struct Block
{
    BlockHeader header;
    QList<Transaction> txs;

    QByteArray encodeBody() const;
    static Result<QList<Transaction>> decodeBody(QByteArrayView bytes);
    QByteArray encode() const; // header bytes (length-prefixed) + body bytes
    static Result<Block> decode(QByteArrayView bytes);

    QList<crypto::Hash256> txIds() const;
    // Sets txCount and merkleRoot from txs.
    void seal();

    bool operator==(const Block &) const = default;
};

} // namespace mg::ledger
