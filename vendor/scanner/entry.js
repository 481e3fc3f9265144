// The polyfill as one classic script (no import map: the site's CSP forbids inline scripts).
import { BarcodeDetector, prepareZXingModule } from "barcode-detector/ponyfill";

window.PortalBarcodeDetector = { BarcodeDetector, prepareZXingModule };
