// Package gifanim encodes animations as looping GIF files, deterministically, and rasterizes
// gonum/plot drawings into their frames.
//
// Encode takes the frames from a function, so that a long animation (say 301 checkpoints of a
// 640×400 figure) never holds more than two frames in memory, and streams the GIF to its
// writer:
//
//   - one global palette for all frames, built from the frames' actual colours: if there are
//     few enough distinct colours they are the palette exactly; otherwise a median cut over the
//     colour histogram of all frames (each box split at its pixel-weighted median along its
//     widest channel) chooses the boxes, and each box is represented by its most frequent
//     colour, so that dominant colours (a white background, black text, a series colour) stay
//     exact. Every pixel is mapped to its nearest palette colour (Euclidean distance in RGB),
//     without dithering, so flat areas stay flat and unchanged areas stay unchanged;
//   - frame differencing: after the first frame, each frame is only the rectangle of pixels
//     that changed, with the unchanged pixels inside it transparent, drawn over the previous
//     frame (disposal method "none"). One palette entry is kept for transparency;
//   - the NETSCAPE2.0 loop extension (LoopCount 0 loops forever) and per-frame delays in
//     hundredths of a second.
//
// The output depends only on the frames and the options: the palette is built with ties
// broken by colour value, and nothing else varies. Building the palette needs a first pass
// over all frames, so the frame function is called twice for each frame unless
// Options.Palette is given; it must return the same image both times.
//
// Frames must all have the same bounds. GIF has no partial transparency: a pixel's alpha is
// composited over white before quantization.
//
// Rasterize draws with gonum's vgimg backend into an *image.RGBA of a given pixel size, for
// use as a frame.
package gifanim
