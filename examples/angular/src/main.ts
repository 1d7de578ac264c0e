import { bootstrapApplication } from '@angular/platform-browser';
import { AppComponent } from './app/app.component';
import { appConfig } from './app/app.config';
import { bridgeSetupFrom } from './app/view/bridge-config';

bootstrapApplication(AppComponent, appConfig(bridgeSetupFrom(window.location))).catch((error: unknown) => console.error(error));
