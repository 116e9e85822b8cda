export {
  type CourierPingsTwinOptions,
  courierPingsThresholdsPassed,
  runCourierPingsTwin,
} from './courier-pings-twin.js';
export { isFailure, p95, passes, type TwinResult } from './measure.js';
export {
  type OrdersTwinOptions,
  type OrdersTwinResult,
  runOrdersTwin,
  thresholdsPassed,
} from './orders-twin.js';
export { connectFrame, eventFrame, type Frame, parseFrame, socketIoUrl } from './socketio-frames.js';
export { ORDERS_THRESHOLDS, type Thresholds, TRACKING_THRESHOLDS } from './thresholds.js';
export { runTrackingTwin, type TrackingTwinOptions, trackingThresholdsPassed } from './tracking-twin.js';
export { orderBody, trackingToken } from './traffic.js';
