// kiosk/app/redraw.h: draws a frame's Dear ImGui draw data into the back buffer, all of it or
// only what changed (kiosk/damage.h), and shows it.
//
// Partial redraws need the back buffer to still hold the last frame. A swap leaves it undefined,
// so in this mode the frame is shown with GLX_MESA_copy_sub_buffer (the changed rectangle is
// copied to the window; the back buffer stays as it is, by that extension's definition).
// Used only under software OpenGL (llvmpipe, softpipe, swrast), where every pixel drawn is CPU
// and where no swap waits for the vertical blank anyway; with a GPU, or with --full-redraw,
// every frame is drawn whole and swapped as before.
//
// Verification (--verify-redraw, UI tests): after each partial frame the frame is read back,
// drawn whole, read back again and the two compared; the count of differing pixels is in
// stats() (main prints it at exit), and the first frames that differ are printed with their plan.
//
// Thread-safety: the UI thread, with the GL context current.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kiosk/damage.h"
#include "kiosk/theme.h"

struct GLFWwindow;

namespace kiosk::app {

class Redraw {
 public:
  // `full_only`: never partial (--full-redraw). `verify`: check each partial frame (above).
  Redraw(bool full_only, bool verify) : full_only_(full_only), verify_(verify) {}
  // Call once the GL context is current: decides whether partial redraws are possible here.
  void init();
  bool partial() const { return partial_; }
  // The next frame is drawn whole (the window was exposed or resized, the fonts rebuilt).
  void invalidate() { tracker_.invalidate(); }

  // A window whose content scrolls (its draw list is named as the window), where its content
  // shows and its scroll offset this frame.
  struct ScrollRegion {
    std::string window;
    ImVec4 view;  // x0, y0, x1, y1 (screen)
    float scroll_y;
  };
  // After ImGui::Render: the frame into the back buffer (cleared to `page` where drawn).
  void draw(ImDrawData* data, Rgb page, int fb_width, int fb_height, const std::vector<ScrollRegion>& scrolling = {});
  // Shows what draw() drew: a swap, or a copy of the changed rectangle to the window.
  void present(GLFWwindow* window);

  struct Stats {
    long full = 0, partial = 0, none = 0;  // frames drawn whole, in part, not at all (nothing changed)
    long scrolled = 0;                     // of the partial ones: a scroll moved by copies
    long verified = 0;                     // partial frames compared with a whole redraw
    long mismatched_frames = 0;
    long long mismatched_pixels = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  void draw_whole(ImDrawData* data, Rgb page, int fb_width, int fb_height);
  Frame image_of(const ImDrawData* data, Rgb page, int fb_width, int fb_height, const std::vector<ScrollRegion>& scrolling) const;
  void clip_to(ImDrawData* data, const Rect& damage, int fb_height);
  void read_back(std::vector<unsigned char>& px, int fb_width, int fb_height) const;

  bool full_only_, verify_;
  bool partial_ = false;
  void (*copy_sub_buffer_)(void*, unsigned long, int, int, int, int) = nullptr;  // glXCopySubBufferMESA
  void (*blit_)(int, int, int, int, int, int, int, int, unsigned, unsigned) = nullptr;  // glBlitFramebuffer
  DamageTracker tracker_;
  RedrawPlan plan_;
  int fb_w_ = 0, fb_h_ = 0;
  std::vector<ImVec4> saved_clips_;
  std::vector<unsigned char> px_a_, px_b_;
  Stats stats_;
};

}  // namespace kiosk::app
