package dev.firstboot.device.board;

import dev.firstboot.rig.ControlAction;
import dev.firstboot.rig.DeviceException;

/** How a board's reset, buttons and power are worked: the rig's controls for a physical board, direct for a virtual one. */
@FunctionalInterface
interface BoardControls {
    void perform(ControlAction action) throws DeviceException;
}
