#include "core/ledger/chain_validator.h"

#include "core/crypto/keys.h"
#include "core/ledger/merkle.h"

#include <QSet>

namespace mg::ledger {

QString ValidationFinding::toString() const
{
    return QStringLiteral("chain %1 height %2: %3: %4")
        .arg(QString::number(chainId), QString::number(height), code, reason);
}

ChainValidator::ChainValidator(KeyLookup keys)
    : m_keys(std::move(keys))
{
    Q_ASSERT(m_keys);
}

std::optional<ValidationFinding> ChainValidator::validateBlock(const Block &block, const BlockHeader *prev) const
{
    const BlockHeader &h = block.header;
    auto finding = [&h](const char *code, const QString &reason) {
        return std::optional<ValidationFinding>(
            ValidationFinding{h.chainId, h.height, QLatin1String(code), reason});
    };

    if (h.version != BlockHeader::CurrentVersion)
        return finding("chain.version", QStringLiteral("unsupported block version %1").arg(h.version));

    if (prev) {
        if (h.chainId != prev->chainId)
            return finding("chain.chain_id", QStringLiteral("block is for chain %1 but follows a block of chain %2")
                                                 .arg(QString::number(h.chainId), QString::number(prev->chainId)));
        if (h.height != prev->height + 1)
            return finding("chain.height", QStringLiteral("height %1 does not follow previous height %2")
                                               .arg(QString::number(h.height), QString::number(prev->height)));
        const crypto::Hash256 prevHash = prev->hash();
        if (h.prevHash != prevHash)
            return finding("chain.prev_hash", QStringLiteral("prevHash %1 does not match previous block hash %2")
                                                  .arg(h.prevHash.shortHex(), prevHash.shortHex()));
        if (h.timestampMs < prev->timestampMs)
            return finding("chain.timestamp", QStringLiteral("timestamp %1 is before previous block's %2")
                                                  .arg(QString::number(h.timestampMs),
                                                       QString::number(prev->timestampMs)));
    } else {
        if (h.height != 0)
            return finding("chain.height", QStringLiteral("first block has height %1, expected genesis height 0")
                                               .arg(QString::number(h.height)));
        if (!h.prevHash.isNull())
            return finding("chain.prev_hash", QStringLiteral("genesis block has non-null prevHash %1")
                                                  .arg(h.prevHash.shortHex()));
    }

    if (h.txCount != quint32(block.txs.size()))
        return finding("chain.tx_count", QStringLiteral("header says %1 transactions, body has %2")
                                             .arg(QString::number(h.txCount), QString::number(block.txs.size())));

    const QList<crypto::Hash256> ids = block.txIds();
    QSet<crypto::Hash256> seen;
    seen.reserve(ids.size());
    for (qsizetype i = 0; i < ids.size(); ++i) {
        if (seen.contains(ids[i]))
            return finding("chain.duplicate_tx", QStringLiteral("tx %1 (%2) appears twice in the block")
                                                     .arg(QString::number(i), ids[i].shortHex()));
        seen.insert(ids[i]);
    }

    const crypto::Hash256 root = merkleRoot(ids);
    if (root != h.merkleRoot)
        return finding("chain.merkle_root", QStringLiteral("merkle root %1 does not match the transactions' root %2")
                                                .arg(h.merkleRoot.shortHex(), root.shortHex()));

    const QByteArray hashBytes = h.hash().toByteArray();
    const QByteArray billerKey = m_keys(h.billerId);
    if (billerKey.isEmpty())
        return finding("chain.unknown_key", QStringLiteral("biller '%1' has no known key").arg(h.billerId));
    if (!crypto::verifyCached(billerKey, hashBytes, h.billerSignature))
        return finding("chain.biller_signature", QStringLiteral("biller '%1' signature does not verify").arg(h.billerId));

    QSet<NodeId> signers;
    for (qsizetype i = 0; i < h.acks.size(); ++i) {
        const BlockAck &ack = h.acks[i];
        const QByteArray key = m_keys(ack.nodeId);
        if (key.isEmpty())
            return finding("chain.unknown_key", QStringLiteral("ack %1 by '%2': signer has no known key")
                                                    .arg(QString::number(i), ack.nodeId));
        if (!crypto::verifyCached(key, hashBytes, ack.signature))
            return finding("chain.ack_signature", QStringLiteral("ack %1 by '%2': signature does not verify")
                                                      .arg(QString::number(i), ack.nodeId));
        if (signers.contains(ack.nodeId))
            return finding("chain.duplicate_ack", QStringLiteral("ack %1 by '%2': signer already acknowledged")
                                                      .arg(QString::number(i), ack.nodeId));
        signers.insert(ack.nodeId);
    }

    for (qsizetype i = 0; i < block.txs.size(); ++i) {
        const Transaction &tx = block.txs[i];
        if (tx.chainId != h.chainId)
            return finding("chain.tx_chain_id", QStringLiteral("tx %1 (%2) is for chain %3")
                                                    .arg(QString::number(i), ids[i].shortHex(),
                                                         QString::number(tx.chainId)));
        const QByteArray key = m_keys(tx.sender);
        if (key.isEmpty())
            return finding("chain.unknown_key", QStringLiteral("tx %1 (%2): sender '%3' has no known key")
                                                    .arg(QString::number(i), ids[i].shortHex(), tx.sender));
        if (!tx.verify(key))
            return finding("chain.tx_signature", QStringLiteral("tx %1 (%2): signature by '%3' does not verify")
                                                     .arg(QString::number(i), ids[i].shortHex(), tx.sender));
    }
    return std::nullopt;
}

std::optional<ValidationFinding> ChainValidator::validateChain(const QList<Block> &blocks) const
{
    for (qsizetype i = 0; i < blocks.size(); ++i) {
        const BlockHeader *prev = i == 0 ? nullptr : &blocks[i - 1].header;
        if (auto f = validateBlock(blocks[i], prev))
            return f;
    }
    return std::nullopt;
}

} // namespace mg::ledger
