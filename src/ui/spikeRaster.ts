// Draws a RasterBitmap with PixiJS: the bitmap is one texture, uploaded when a frame changes it,
// and a tiling sprite shifts it so the newest column sits at the right edge. The renderer only
// draws; what a pixel means is decided by the bitmap.
import { BufferImageSource, Container, Texture, TilingSprite, type FederatedPointerEvent } from 'pixi.js';
import type { RasterBitmap } from './rasterBitmap.js';

export class SpikeRaster {
  readonly view = new Container();
  private readonly source: BufferImageSource;
  private readonly sprite: TilingSprite;
  private readonly scaleX: number;
  private readonly scaleY: number;

  constructor(
    private readonly bitmap: RasterBitmap,
    width: number,
    height: number,
    /** Called with the neurons and time under the pointer (null when it leaves). */
    onHover?: (at: { neurons: [number, number]; timeMs: number } | null) => void,
  ) {
    const { width: columns } = bitmap.layout;
    this.source = new BufferImageSource({ resource: bitmap.pixels, width: columns, height: bitmap.height, format: 'rgba8unorm', scaleMode: 'nearest' });
    this.scaleX = width / columns;
    this.scaleY = height / bitmap.height;
    this.sprite = new TilingSprite({ texture: new Texture({ source: this.source }), width, height });
    this.sprite.tileScale.set(this.scaleX, this.scaleY);
    this.view.addChild(this.sprite);
    if (onHover) {
      this.sprite.eventMode = 'static';
      const at = (e: FederatedPointerEvent) => {
        const p = this.sprite.toLocal(e.global);
        const column = (Math.floor(p.x / this.scaleX) + this.bitmap.head + 1) % columns;
        const row = Math.floor(p.y / this.scaleY);
        onHover(row < bitmap.layout.rows ? { neurons: bitmap.neuronsAt(row), timeMs: bitmap.timeAt(column) } : null);
      };
      // A tap names the row too (no pointer moves before it on a touch screen).
      this.sprite.on('pointermove', at);
      this.sprite.on('pointerdown', at);
      this.sprite.on('pointerleave', () => onHover(null));
    }
    this.update();
  }

  /** Free the texture (when the raster is laid out afresh). */
  destroy(): void {
    this.view.destroy({ children: true, texture: true, textureSource: true });
  }

  /** Upload what the bitmap changed and shift it: the column after the head is the oldest, at the left. */
  update(): void {
    this.source.update();
    this.sprite.tilePosition.x = -((this.bitmap.head + 1) % this.bitmap.layout.width) * this.scaleX;
  }
}
