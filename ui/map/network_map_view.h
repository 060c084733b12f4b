#pragma once

#include "core/engine/microgrid.h"

#include <QGraphicsItem>
#include <QGraphicsView>
#include <QHash>

namespace mg::ui {

// How a node is drawn; shared by the map and its legend.
struct NodeLook
{
    QColor chainColor;
    bool biller = false;
    bool down = false;
    bool excluded = false; // suspended or evicted
    bool pending = false;
    bool faulty = false;
    bool selected = false;
};
void paintNodeGlyph(QPainter &painter, const QRectF &rect, const NodeLook &look);

// One node on the map; its look is updated in place from each snapshot.
class NodeItem : public QGraphicsItem
{
public:
    explicit NodeItem(const QString &id);

    QString id() const { return m_id; }
    void setLook(const NodeLook &look);
    const NodeLook &look() const { return m_look; }

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QString m_id;
    NodeLook m_look;
};

// The network: sub-chains as clusters around a parent-chain hub that links their billers.
// The scene is laid out once per set of nodes and chains; every other snapshot only changes item
// properties (colours, biller marks, hub links). Clicking a node emits nodeClicked(id).
class NetworkMapView : public QGraphicsView
{
    Q_OBJECT

public:
    explicit NetworkMapView(QWidget *parent = nullptr);

    void setSnapshot(const std::shared_ptr<const engine::Snapshot> &snapshot);
    void setSelectedNode(const QString &id);

    // The item for a node, or nullptr; for tests.
    NodeItem *nodeItem(const QString &id) const { return m_items.value(id); }
    int layoutCount() const { return m_layouts; }

Q_SIGNALS:
    void nodeClicked(const QString &id);

protected:
    void mousePressEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void layout(const engine::Snapshot &snapshot);

    QGraphicsScene *m_scene = nullptr;
    QHash<QString, NodeItem *> m_items;
    QHash<engine::ChainId, QGraphicsLineItem *> m_hubLinks; // sub-chain -> hub to its biller
    QHash<engine::ChainId, int> m_chainIndex;
    QString m_layoutKey; // node ids and chains the layout was built for
    QString m_selected;
    int m_layouts = 0;
};

// A row of symbols explaining the map.
class MapLegend : public QWidget
{
    Q_OBJECT

public:
    explicit MapLegend(QWidget *parent = nullptr);
};

} // namespace mg::ui
